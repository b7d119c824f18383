package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/store"
	"github.com/pickpack/pickpack/server/web"
)

// tokenEnv names the environment variable backup reads the admin token
// from when --token is not given, so that a cron line does not show it in
// the process list.
const tokenEnv = "PICKPACK_TOKEN"

// backupCmd fetches a consistent copy of a running server's data file
// (GET /admin/backup, admin token) and writes it to the file the operator
// names: beside it first, synced, then renamed, so FILE is either the
// previous backup or the whole new one. The file's modification time is
// when the copy was taken.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	site := fs.String("http", "http://127.0.0.1:8080", "the server's HTTP address (its --http-addr), as a URL or HOST:PORT")
	token := fs.String("token", "", "an admin token; default: $"+tokenEnv)
	to := fs.String("to", "", "file to write the backup to (required)")
	caFile := fs.String("ca-cert", "", "for https: the CA certificate (PEM) the server's certificate is checked against; default: the system's")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	switch {
	case *to == "":
		return fmt.Errorf("backup: --to FILE is required")
	case *token == "":
		return fmt.Errorf("backup: an admin token is required (--token or $%s)", tokenEnv)
	}
	base := *site
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	client := &http.Client{}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("backup: no certificate in %s", *caFile)
		}
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	began := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/admin/backup", nil)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+*token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("backup: the server answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	taken, err := time.Parse(time.RFC3339Nano, resp.Header.Get(web.BackupTimeHeader))
	if err != nil {
		return fmt.Errorf("backup: the server sent no backup time: %w", err)
	}
	n, err := writeFileAtomic(*to, resp.Body, resp.ContentLength)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Chtimes(*to, taken, taken); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup %s: %d bytes (%.1f MB), schema %s, taken %s (commit %s), in %v\n",
		*to, n, float64(n)/(1<<20), resp.Header.Get(web.BackupSchemaHeader), taken.Format(time.RFC3339),
		resp.Header.Get(web.BackupTxHeader), time.Since(began).Round(time.Millisecond))
	return nil
}

// writeFileAtomic writes src to path through a file beside it, synced and
// renamed, and checks that it got the length promised (want; -1: any).
func writeFileAtomic(path string, src io.Reader, want int64) (int64, error) {
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, src)
	if err == nil && want >= 0 && n != want {
		err = fmt.Errorf("the copy was cut short: %d of %d bytes", n, want)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return n, err
	}
	defer d.Close()
	return n, d.Sync()
}

// errRestoreCrashed is returned by restoreCmd when checking the backup
// crashed the process that read it: a damaged page.
var errRestoreCrashed = errors.New("restore: the backup is damaged (see the report above); the data file in place is as it was")

// restoreCmd puts a backup in place as the data file of a stopped server,
// after checking it (store.Restore). As the audit does, it runs in a
// process of its own: a damaged page in the backup makes bbolt panic or
// fault while it checks, and the restore then says so instead of dying
// with a stack trace. The rename comes after the checks, so the data file
// in place is untouched either way.
func restoreCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	dir := fs.String("data", "data", "directory of the data file (pickpack.db) to restore into")
	from := fs.String("from", "", "the backup file (required)")
	force := fs.Bool("force", false, "replace a data file already in --data (never one a running server holds)")
	inProcess := fs.Bool("in-process", false, "restore in this process (a damaged backup may then crash it instead of being reported)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	path := filepath.Join(*dir, "pickpack.db")
	if !*inProcess {
		return restoreApart(path, args, stdout)
	}
	f, err := os.Open(*from)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	r, err := store.Restore(f, path, store.RestoreOptions{Force: *force})
	if err != nil {
		return err // it says "restore: "
	}
	taken := ""
	if fi, err := f.Stat(); err == nil {
		taken = ", taken " + fi.ModTime().UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "restored %s into %s: %d bytes, schema %d%s\n", *from, path, r.Size, r.Schema, taken)
	fmt.Fprintln(stdout, "file structure: ok (every page and bucket checked)")
	fmt.Fprintln(stdout, "stock: ok (reservations match open tasks, nothing negative, movements add up)")
	fmt.Fprintf(stdout, "totals: on hand %d, reserved %d, picked %d, short %d, scans %d\n",
		r.Totals.OnHand, r.Totals.Reserved, r.Totals.Picked, r.Totals.Short, r.Totals.Scans)
	return nil
}

// restoreApart runs the restore of args in a child process and reports
// what became of it: its report and its error, or, if it crashed, that
// the backup is damaged, and then drops what it wrote beside path.
func restoreApart(path string, args []string, stdout io.Writer) error {
	_, crash, err := runApart("restore", args, stdout)
	if err != nil || crash == "" {
		return err
	}
	os.Remove(path + ".restoring")
	fmt.Fprintf(stdout, "checking the backup crashed the database library %s\n", crash)
	return errRestoreCrashed
}
