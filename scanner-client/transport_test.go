package main

import (
	"context"
	"crypto/tls"
	"net"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/pickpack/pickpack/internal/testcert"
)

// The load tool and the terminal client reach a TLS server with --ca, and
// without it (plaintext, as on loopback) the same server does not answer.
func TestTransportTLS(t *testing.T) {
	dir := t.TempDir()
	site := testcert.NewCA(t, dir, "site")
	certFile, keyFile := site.Issue(t, "n1")
	ca := site.File
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(grpc.Creds(credentials.NewServerTLSFromCert(&cert)))
	healthpb.RegisterHealthServer(g, health.NewServer())
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	addr := lis.Addr().String()

	tests := []struct {
		name   string
		ca     string
		wantOK bool
	}{
		{"with the CA", ca, true},
		{"plaintext", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			creds, err := transport(addr, tt.ca, true)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			if got := err == nil; got != tt.wantOK {
				t.Errorf("health check answered: %v (err %v), want %v", got, err, tt.wantOK)
			}
		})
	}
	if _, err := transport(addr, filepath.Join(t.TempDir(), "missing.pem"), false); err == nil {
		t.Error("a missing --ca file was accepted")
	}
}
