package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// errAuditFailed is returned by auditCmd when the data file opened but a
// check found a problem; the report says which.
var errAuditFailed = errors.New("audit: the data file has problems (see the report above)")

// auditCmd runs, for an operator after an incident, the checks the tests
// run after every test: bbolt's own consistency check of every page, and
// the stock audit (reserved units match the open tasks, nothing negative,
// every bin's movements add up to its stock). It prints a report and
// fails when either check finds a problem. The server must be stopped: it
// holds the file.
func auditCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	path := filepath.Join(d.dir, "pickpack.db")
	if !store.Exists(path) {
		return fmt.Errorf("audit: no data file at %s", path)
	}
	st, err := d.open(floor.SystemClock{})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer st.Close()
	fmt.Fprintf(stdout, "audit of %s\n", path)
	failed := false
	if err := st.Check(); err != nil {
		failed = true
		fmt.Fprintf(stdout, "file structure: FAILED: %v\n", err)
	} else {
		fmt.Fprintln(stdout, "file structure: ok (every page and bucket checked)")
	}
	tot, err := st.Audit()
	if err != nil {
		failed = true
		fmt.Fprintf(stdout, "stock: FAILED: %v\n", err)
	} else {
		fmt.Fprintln(stdout, "stock: ok (reservations match open tasks, nothing negative, movements add up)")
	}
	fmt.Fprintf(stdout, "totals: on hand %d, reserved %d, picked %d, short %d, scans %d\n",
		tot.OnHand, tot.Reserved, tot.Picked, tot.Short, tot.Scans)
	if failed {
		return errAuditFailed
	}
	return nil
}
