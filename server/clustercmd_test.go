package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// Cluster flags and commands given wrong: each is refused with what to
// fix, before anything is opened or started.
func TestClusterCommandRefusals(t *testing.T) {
	const peers = "n1=127.0.0.1:7001/127.0.0.1:7071/127.0.0.1:8081,n2=127.0.0.1:7002/127.0.0.1:7072/127.0.0.1:8082"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"node without cluster", []string{"serve", "--node", "n1"}, "--node and --cluster go together"},
		{"cluster without node", []string{"serve", "--cluster", peers}, "--node and --cluster go together"},
		{"join alone", []string{"serve", "--join"}, "--node and --cluster go together"},
		{"node not in the cluster", []string{"serve", "--node", "n9", "--cluster", peers}, `--node "n9" is not one of`},
		{"addresses given twice", []string{"serve", "--node", "n1", "--cluster", peers, "--addr", "127.0.0.1:9"}, "--addr: with --cluster"},
		{"TLS in a cluster without the site's CA", []string{"serve", "--node", "n1", "--cluster", peers, "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--tls-ca is required with --cluster"},
		{"a CA without a certificate", []string{"serve", "--node", "n1", "--cluster", peers, "--tls-ca", "ca.pem"}, "--tls-ca goes with --tls-cert"},
		{"a CA without a cluster", []string{"serve", "--tls-ca", "ca.pem"}, "--tls-ca is for --cluster"},
		{"TLS in a cluster with missing files", []string{"serve", "--node", "n1", "--cluster", peers, "--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-ca", "ca.pem"}, "TLS"},
		{"malformed cluster", []string{"serve", "--node", "n1", "--cluster", "n1=127.0.0.1:7001"}, "--cluster:"},
		{"Raft in clear off loopback", []string{"serve", "--node", "n1", "--cluster",
			"n1=10.0.0.1:7001/127.0.0.1:7071/127.0.0.1:8081,n2=10.0.0.2:7001/127.0.0.1:7072/127.0.0.1:8082"}, "refusing plaintext Raft"},
		{"cluster without a command", []string{"cluster"}, "want status, join or leave"},
		{"cluster unknown command", []string{"cluster", "grow"}, `unknown command "grow"`},
		{"cluster without a token", []string{"cluster", "status", "--token", ""}, "an admin token is required"},
		{"cluster with a missing CA file", []string{"cluster", "status", "--token", "x", "--ca-cert", "/nonexistent/ca.pem"}, "no such file"},
		{"join without a peer", []string{"cluster", "join", "--token", "x"}, "--peer"},
		{"join of two peers", []string{"cluster", "join", "--token", "x", "--peer", peers}, "--peer names one node"},
		{"leave without an id", []string{"cluster", "leave", "--token", "x"}, "--id is required"},
		{"digest of nothing", []string{"digest"}, "no data file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tokenEnv, "")
			args := append([]string{}, tt.args...)
			if args[0] != "cluster" {
				args = append(args, "--data", t.TempDir())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := Run(ctx, args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Run(%v) = %v, want an error with %q", args, err, tt.want)
			}
		})
	}
}
