package tervis

import (
	"testing"

	"projectd"
)

func FuzzValidateExt(f *testing.F) {
	for _, s := range []string{`{"Status":5,"Product":{"Id":"5877e7a0-7303-4119-bd4f-4615a3f09520","Backgrounds":[{"Name":"b"}]},"ArtboardFlatImage":"QEA="}`,
		`{"Status":"5"}`, `{"Stamps":[{"Top":"x"}]}`, `{"ExpiryDate":"2027-08-01T16:37:19.0768116+00:00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ns []byte) {
		if err := ValidateExt(ns); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", ns, err)
		}
	})
}
