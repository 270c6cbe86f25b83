package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"projectd/sqlstore"
)

// backup copies a live SQLite store while serve goes on writing, checks the copy and says
// what it holds. The master key goes beside the copy (FILE.key) unless it comes from
// PROJECTD_MASTER_KEY: without it, the copy's access-key secrets cannot be opened.
func (e *environment) backup(ctx context.Context, args []string) error {
	fs, dsn := e.flags("backup")
	out := fs.String("out", "", "file to write the copy to; it must not exist")
	return e.withStore(ctx, fs, dsn, args, []string{"out"}, func(store *sqlstore.DB) error {
		if err := store.Backup(ctx, *out); err != nil {
			return err
		}
		summary, err := sqlstore.VerifyBackup(ctx, *out)
		if err != nil {
			return err
		}
		if e.getenv("PROJECTD_MASTER_KEY") == "" {
			if err := createKeyFile(*out+".key", store.MasterKey); err != nil {
				return fmt.Errorf("backup: master key: %w", err)
			}
		}
		fmt.Fprintf(e.stdout, "%s: integrity ok; %s\n", *out, describe(summary))
		return nil
	})
}

// restore puts a backup back as the SQLite store that --db names, which must not exist
// (stop serve and move the old files away first): the copy is checked, written beside the
// target and renamed into place, so a restore cut short leaves no half store.
func (e *environment) restore(ctx context.Context, args []string) error {
	fs, dsn := e.flags("restore")
	from := fs.String("from", "", "a file written by projectd backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required(fs, "from"); err != nil {
		return err
	}
	path, ok := sqlitePath(*dsn)
	if !ok {
		return errors.New("restore: --db must be sqlite:PATH; for PostgreSQL use pg_restore, or projectd import of an export")
	}
	summary, err := sqlstore.VerifyBackup(ctx, *from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("restore: %s exists: stop serve and move the store's files away first", f)
		}
	}
	if err := restoreKey(*from+".key", path+".key", e.getenv("PROJECTD_MASTER_KEY") != ""); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := copyInto(*from, path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	store, err := e.openStore(ctx, *dsn) // migrates a copy made by an older version; counts stay
	if err != nil {
		return err
	}
	store.Close()
	fmt.Fprintf(e.stdout, "%s: restored from %s; %s\n", path, *from, describe(summary))
	return nil
}

// restoreKey puts the backup's key beside the store; a key already there must be the same.
func restoreKey(from, to string, fromEnv bool) error {
	b, err := os.ReadFile(from)
	if errors.Is(err, os.ErrNotExist) && fromEnv {
		return nil // the key lives in PROJECTD_MASTER_KEY, not beside the backup
	} else if err != nil {
		return fmt.Errorf("master key: %w (keep FILE.key with a backup, or set PROJECTD_MASTER_KEY)", err)
	}
	key, err := decodeKey(strings.TrimSpace(string(b)), from)
	if err != nil {
		return err
	}
	if have, err := os.ReadFile(to); err == nil {
		if strings.TrimSpace(string(have)) != strings.TrimSpace(string(b)) {
			return fmt.Errorf("%s holds another master key than %s", to, from)
		}
		return nil
	}
	return createKeyFile(to, key)
}

// copyInto copies from to a new file at to, through a temporary file in to's directory.
func copyInto(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), filepath.Base(to)+".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone by then when the rename succeeded
	if _, err := io.Copy(tmp, src); err != nil {
		tmp.Close()
		return err
	}
	if err := errors.Join(tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}

func describe(s sqlstore.BackupSummary) string {
	return fmt.Sprintf("%d users, %d workspaces, %d projects", s.Users, s.Workspaces, s.Projects)
}
