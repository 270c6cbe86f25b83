package sqlstore

// SetMaxExactCount sets the bound of row-by-row totals until the returned func restores it.
func SetMaxExactCount(n int) (restore func()) {
	old := maxExactCount
	maxExactCount = n
	return func() { maxExactCount = old }
}
