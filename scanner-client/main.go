// Command scanner-client is the terminal program of handhelds and pack
// stations: it reads scans from standard input (a keyboard-wedge scanner
// types the code and presses Enter), sends them to the pickpack server (one
// stream per scan mode; the inventory modes' requests one call at a time)
// and shows each answer in plain words. Scans and requests are kept in a
// local file until answered, so a lost link loses nothing.
//
//	scanner-client pick|pack|handoff --addr HOST:PORT --token TOKEN
//	scanner-client receive --delivery PO --token TOKEN
//	scanner-client putaway|transfer|count --token TOKEN
//	scanner-client bench --token ADMIN_TOKEN   (the load tool)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
)

// commands are the subcommands. Files may add their own in init, so each
// compiles on its own.
var commands = map[string]func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error{
	"pick":    scanCmd(ModePick),
	"pack":    scanCmd(ModePack),
	"handoff": scanCmd(ModeHandoff),
}

// Run runs the subcommand named by args[0] with the rest of args.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stderr, "usage: scanner-client %s [flags]\n(scanner-client COMMAND -h for its flags)\n", strings.Join(names, "|"))
		if len(args) == 0 {
			return errors.New("no command")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q: want one of %s", args[0], strings.Join(names, ", "))
	}
	return cmd(ctx, args[1:], stdin, stdout, stderr)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "scanner-client:", err)
		os.Exit(1)
	}
}
