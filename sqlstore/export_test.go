package sqlstore

import "golang.org/x/crypto/bcrypt"

// Hashes at bcrypt's least cost: under the race detector the default takes seconds.
func init() { PasswordCost = bcrypt.MinCost }

// SetMaxExactCount sets the bound of row-by-row totals until the returned func restores it.
func SetMaxExactCount(n int) (restore func()) {
	old := maxExactCount
	maxExactCount = n
	return func() { maxExactCount = old }
}
