package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pickpack/pickpack/server/cluster"
	"github.com/pickpack/pickpack/server/store"
)

const clusterUsage = `usage:
  server cluster status --addr HOST:PORT [--token ADMIN] [--ca-cert CA.pem]
  server cluster join --addr HOST:PORT [--token ADMIN] [--ca-cert CA.pem] --peer ID=RAFT/GRPC/HTTP
  server cluster leave --addr HOST:PORT [--token ADMIN] [--ca-cert CA.pem] --id ID
--addr is the HTTP address of any node of the site (it forwards to the
leader); the token defaults to $` + tokenEnv + `.
A joining node is started first with serve --join --node ID --cluster
(its own entry and the others'); join then adds it, and it catches up
from a snapshot and the log.
`

// clusterCmd reads or changes a running site's membership through the
// HTTP port of any node.
func clusterCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("cluster: want status, join or leave\n%s", clusterUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("cluster "+sub, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "the HTTP address of any node of the site (its --cluster entry's third address), as HOST:PORT or a URL")
	token := fs.String("token", "", "an admin token; default: $"+tokenEnv)
	caFile := fs.String("ca-cert", "", "the CA certificate (PEM) the nodes' certificates are verified against (the site's --tls-ca); with it, --addr HOST:PORT means https")
	var peer, id *string
	switch sub {
	case "status":
	case "join":
		peer = fs.String("peer", "", "the node to add, as ID=RAFT/GRPC/HTTP")
	case "leave":
		id = fs.String("id", "", "the node to remove")
	default:
		return fmt.Errorf("cluster: unknown command %q\n%s", sub, clusterUsage)
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	if *token == "" {
		return fmt.Errorf("cluster %s: an admin token is required (--token or $%s)", sub, tokenEnv)
	}
	client := http.DefaultClient
	base := *addr
	if !strings.Contains(base, "://") {
		base = "http://" + base
		if *caFile != "" {
			base = "https://" + *addr
		}
	}
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return fmt.Errorf("cluster %s: %w", sub, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("cluster %s: no certificate in %s", sub, *caFile)
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	base = strings.TrimSuffix(base, "/") + "/admin/cluster"
	var body any
	switch sub {
	case "status":
		return clusterCall(ctx, client, http.MethodGet, base, *token, nil, stdout)
	case "join":
		peers, err := cluster.ParsePeers(*peer)
		if err != nil {
			return fmt.Errorf("cluster join: --peer: %w", err)
		}
		if len(peers) != 1 {
			return errors.New("cluster join: --peer names one node")
		}
		body, base = peers[0], base+"/join"
	case "leave":
		if *id == "" {
			return errors.New("cluster leave: --id is required")
		}
		body, base = map[string]string{"id": *id}, base+"/leave"
	}
	if err := clusterCall(ctx, client, http.MethodPost, base, *token, body, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "cluster %s: done\n", sub)
	return nil
}

// clusterCall makes one request of the membership routes and copies a
// successful answer to stdout.
func clusterCall(ctx context.Context, client *http.Client, method, url, token string, body any, stdout io.Writer) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("cluster: the node answered %s: %s", resp.Status, strings.TrimSpace(string(out)))
	}
	if len(out) > 0 {
		var pretty bytes.Buffer
		if json.Indent(&pretty, out, "", "  ") == nil {
			out = append(pretty.Bytes(), '\n')
		}
		stdout.Write(out)
	}
	return nil
}

// digestCmd prints a stopped node's digest: a SHA-256 of each bucket of
// its data file, the same on every node of a site that has applied the
// same log. Equal digests say the replicas hold the same data.
func digestCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("digest", flag.ContinueOnError)
	dir := fs.String("data", "data", "directory of the data file (pickpack.db) of a stopped server or node")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	path := filepath.Join(*dir, "pickpack.db")
	if !store.Exists(path) {
		return fmt.Errorf("digest: no data file at %s", path)
	}
	d, err := store.FileDigest(path)
	if err != nil {
		return fmt.Errorf("digest: %w", err)
	}
	names := make([]string, 0, len(d))
	for n := range d {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(stdout, "%s %s\n", d[n], n)
	}
	return nil
}
