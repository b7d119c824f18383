package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/pickpack/pickpack/server/floor"
)

// tokenCmd creates a token directly in the data file: the way to make the
// first admin before the server ever ran. While a server runs it holds the
// file, and the error says to use AuthService.CreateToken instead.
func tokenCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: server token create --user NAME --role ROLE [--data DIR]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	var d dataFlags
	d.register(fs)
	user := fs.String("user", "", "user name (lowercase letters, digits, . _ -)")
	roleName := fs.String("role", "", "picker, packer, supervisor or admin")
	if err := parseFlags(fs, args[1:], stderr); err != nil {
		return err
	}
	if err := floor.ValidateUserName(*user); err != nil {
		return fmt.Errorf("--user: %w", err)
	}
	role, ok := floor.ParseRole(*roleName)
	if !ok {
		return fmt.Errorf("--role must be picker, packer, supervisor or admin, got %q", *roleName)
	}
	st, err := d.open(floor.SystemClock{})
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := st.CreateToken(*user, role)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}
