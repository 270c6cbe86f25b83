package cli

import (
	"encoding/json"
	mrand "math/rand/v2"
	"testing"

	"projectd/compat"
	"projectd/compat/surfaces"
)

// BenchmarkValidateSeedExt is the validation that every row of a bulk load goes through:
// the ext of seed's five kinds of project, one after another, against every surface's rules.
func BenchmarkValidateSeedExt(b *testing.B) {
	rng := mrand.New(mrand.NewPCG(1, 2))
	env := &environment{surfaces: surfaces.All}
	exts := make([]json.RawMessage, len(env.surfaces))
	for i := range exts {
		exts[i] = env.seedExt(rng, i)
	}
	ext, err := compat.Extensions(surfaces.All)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := ext.Validate(exts[i%len(exts)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
