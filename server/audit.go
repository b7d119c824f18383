package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// errAuditFailed is returned by auditCmd when the data file opened but a
// check found a problem; the report says which.
var errAuditFailed = errors.New("audit: the data file has problems (see the report above)")

// errAuditCrashed is returned by auditCmd when reading the data file
// crashed the process that read it: a damaged page.
var errAuditCrashed = errors.New("audit: the data file is damaged (see the report above)")

// auditChild is the command that runs `server audit ARGS --in-process`:
// this program again, in a process of its own. Tests run their own binary
// instead.
var auditChild = func(args []string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, args...), nil
}

// auditCmd runs, for an operator after an incident, the checks the tests
// run after every test: bbolt's own consistency check of every page, and
// the stock audit (reserved units match the open tasks, nothing negative,
// every bin's movements add up to its stock). It prints a report and
// fails when either check finds a problem. The server must be stopped: it
// holds the file.
//
// The checks run in a process of their own: bbolt trusts the pages it
// reads, and a damaged one makes it panic in a goroutine of its own while
// it opens the file (the free page list is rebuilt from every page), or
// read past its memory map, which no recover catches. The audit then says
// that the file is damaged instead of dying with a stack trace.
func auditCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	inProcess := fs.Bool("in-process", false, "run the checks in this process (a damaged file may then crash it instead of being reported)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	path := filepath.Join(d.dir, "pickpack.db")
	if !store.Exists(path) {
		return fmt.Errorf("audit: no data file at %s", path)
	}
	if !*inProcess {
		return auditApart(path, args, stdout)
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

// auditApart runs the audit of args in a child process and reports what
// became of it: its report and its error, or, if it crashed, that the
// file at path is damaged, with the first line of the crash.
func auditApart(path string, args []string, stdout io.Writer) error {
	reported, crash, err := runApart("audit", args, stdout)
	switch {
	case err != nil:
		if err.Error() == errAuditFailed.Error() {
			return errAuditFailed
		}
		return err
	case crash == "":
		return nil
	}
	if !reported {
		fmt.Fprintf(stdout, "audit of %s\n", path)
	}
	fmt.Fprintf(stdout, "file structure: FAILED: the file is damaged: reading it crashed the database library %s\n", crash)
	return errAuditCrashed
}

// runApart runs the subcommand cmd with args in a child process
// (--in-process) and copies its report to stdout. err is the error the
// child reported (its last line, as main prints it) or why it did not
// start; crash, when it crashed instead, is its exit and the lines that
// say what went wrong; reported says whether it wrote a report first.
func runApart(cmd string, args []string, stdout io.Writer) (reported bool, crash string, err error) {
	child, err := auditChild(append([]string{cmd, "--in-process"}, args...))
	if err != nil {
		return false, "", fmt.Errorf("%s: %w", cmd, err)
	}
	var report, problems bytes.Buffer
	child.Stdout, child.Stderr = &report, &problems
	err = child.Run()
	stdout.Write(report.Bytes())
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, "", nil
	case !errors.As(err, &exit):
		return false, "", fmt.Errorf("%s: %w", cmd, err) // the child did not start
	case exit.ExitCode() == 1: // the child reported the problem itself, as main does
		msg := strings.TrimSpace(problems.String())
		return true, "", errors.New(strings.TrimPrefix(msg[strings.LastIndex(msg, "\n")+1:], "pickpack: "))
	}
	return report.Len() > 0, fmt.Sprintf("(%v): %s", exit, crashLine(problems.String())), nil
}

// crashLine is the lines of a Go crash report that say what went wrong
// ("panic: ...", "fatal error: ...", "[signal ...]"), or its first line.
func crashLine(report string) string {
	lines := strings.Split(strings.TrimSpace(report), "\n")
	var what []string
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") || strings.HasPrefix(l, "[signal ") {
			what = append(what, l)
		}
	}
	if len(what) == 0 {
		return lines[0]
	}
	return strings.Join(what, " ")
}
