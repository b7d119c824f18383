package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/pickpack/pickpack/labels"
	"github.com/pickpack/pickpack/server/floor"
)

// badgeCmd issues a user's sign-in badge directly in the data file and
// writes it as a PDF to the file the operator names: the way to badge the
// first people before the server runs (while it runs, it holds the file;
// the supervisor page issues badges then). Like token create, it acts as
// an admin. The code is written into the PDF only, never printed.
func badgeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("badge", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	user := fs.String("user", "", "user name (lowercase letters, digits, . _ -)")
	roleName := fs.String("role", "", "role of a new user: picker, packer, receiver, counter, supervisor or admin; optional for an existing user")
	out := fs.String("out", "", "the PDF file to write, e.g. ann-badge.pdf (not overwritten)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if err := floor.ValidateUserName(*user); err != nil {
		return fmt.Errorf("--user: %w", err)
	}
	role := floor.RoleUnspecified
	if *roleName != "" {
		var ok bool
		if role, ok = floor.ParseRole(*roleName); !ok {
			return fmt.Errorf("--role must be picker, packer, receiver, counter, supervisor or admin, got %q", *roleName)
		}
	}
	if *out == "" {
		return errors.New("--out: required: the PDF file to write the badge to")
	}
	// The file is made before the badge is issued, so a path that cannot
	// be written changes nothing; an existing file is kept (it may be
	// someone else's badge).
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	written := false
	defer func() {
		if !written {
			f.Close()
			os.Remove(*out)
		}
	}()
	clock := floor.SystemClock{}
	st, err := d.open(clock)
	if err != nil {
		return err
	}
	defer st.Close()
	issued, err := st.IssueBadgeTo(*user, role, func(floor.Role) bool { return true })
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	err = labels.WriteBadgePDF(ctx, &pdf, labels.Badge{User: issued.User.Name, Role: issued.User.Role.String(),
		Code: issued.Code, Issued: clock.Now()})
	if err == nil {
		_, err = f.Write(pdf.Bytes())
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return fmt.Errorf("the badge was issued but not written, so %s has no working badge: issue it again: %w", *user, err)
	}
	written = true
	fmt.Fprintf(stdout, "badge for %s (%s) written to %s; their previous badge no longer signs in\n", issued.User.Name, issued.User.Role, *out)
	return nil
}
