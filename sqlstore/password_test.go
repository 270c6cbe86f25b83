package sqlstore_test

import (
	"strings"
	"testing"

	"projectd"
	"projectd/sqlstore"
)

// An operator sets a password, the user signs in with it and changes it (knowing the
// current one); wrong, unset and unknown alike are EUNAUTHORIZED; bad passwords are
// EINVALID naming the field.
func TestPasswords(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		if _, err := db.CheckPassword(f.ann, "ann", "anything at all"); projectd.ErrorCode(err) != projectd.EUNAUTHORIZED {
			t.Fatalf("no password set yet: %v", err)
		}
		wantCode(t, db.SetPassword(f.ann, "ann", "short"), projectd.EINVALID, "password")
		wantCode(t, db.SetPassword(f.ann, "ann", strings.Repeat("x", 73)), projectd.EINVALID, "password")
		wantCode(t, db.SetPassword(f.ann, "ann", "eight\x00bytes"), projectd.EINVALID, "password")
		wantCode(t, db.SetPassword(f.ann, "nobody", "long enough"), projectd.EINVALID, "login")
		if err := db.SetPassword(f.ann, "ann", "correct horse"); err != nil {
			t.Fatal(err)
		}
		u, err := db.CheckPassword(f.ann, "ann", "correct horse")
		if err != nil || u.Login != "ann" {
			t.Fatalf("the right password: %v %v", u, err)
		}
		for _, pair := range [][2]string{{"ann", "correct horsE"}, {"bob", "correct horse"}, {"nobody", "correct horse"}, {"ann", ""}} {
			if _, err := db.CheckPassword(f.ann, pair[0], pair[1]); projectd.ErrorCode(err) != projectd.EUNAUTHORIZED {
				t.Errorf("%q / %q: %v", pair[0], pair[1], err)
			}
		}
		wantCode(t, db.ChangePassword(f.ann, "wrong", "battery staple"), projectd.EFORBIDDEN, "current_password")
		wantCode(t, db.ChangePassword(f.ann, "correct horse", "tiny"), projectd.EINVALID, "password")
		wantCode(t, db.ChangePassword(as(f.users["ann"], projectd.ScopeRead), "correct horse", "battery staple"), projectd.EFORBIDDEN, "")
		if err := db.ChangePassword(f.ann, "correct horse", "battery staple"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckPassword(f.ann, "ann", "correct horse"); projectd.ErrorCode(err) != projectd.EUNAUTHORIZED {
			t.Fatalf("the old password after a change: %v", err)
		}
		if _, err := db.CheckPassword(f.ann, "ann", "battery staple"); err != nil {
			t.Fatalf("the new password: %v", err)
		}
		// bob has none yet: he sets his first without a current one.
		if err := db.ChangePassword(f.bob, "", "bob's own password"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckPassword(f.bob, "bob", "bob's own password"); err != nil {
			t.Fatal(err)
		}
	})
}
