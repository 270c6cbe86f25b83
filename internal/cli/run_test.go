package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "p.db")
	none := func(string) string { return "" }
	k1, err := masterKey(dsn, none)
	if err != nil || len(k1) != 32 {
		t.Fatal(k1, err)
	}
	info, err := os.Stat(filepath.Join(dir, "p.db.key"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	k2, err := masterKey(dsn, none)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("the key file is not reused")
	}
	fromEnv, err := masterKey(dsn, func(string) string { return "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" })
	if err != nil || string(fromEnv) != "0123456789abcdef0123456789abcdef" {
		t.Fatal(fromEnv, err)
	}
	if _, err := masterKey(dsn, func(string) string { return "short" }); err == nil {
		t.Fatal("a short PROJECTD_MASTER_KEY was accepted")
	}
}
