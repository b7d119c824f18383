// Command server is the pickpack server and its admin commands:
//
//	server [serve] [flags]         serve gRPC (default 127.0.0.1:7070)
//	server token create ...        create a user's bearer token
//	server badge ...               issue a sign-in badge as a PDF
//	server import KIND FILE ...    import a bin map, SKUs or orders
//	server backup --to FILE ...    copy a running server's data file
//	server restore --from FILE ... put a backup in place for a stopped server
//	server serve --node ID --cluster ...  one node of a site replicated through Raft
//	server cluster status|join|leave ...  a site's membership
//	server digest --data DIR       a stopped node's digest of every bucket
//
// main only wires packages together; everything runs through Run, which
// the tests call too.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "pickpack:", err)
		os.Exit(1)
	}
}
