package cluster

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/hashicorp/raft"
)

// MutualTLS builds the TLS configuration of Raft's transport from a
// node's certificate and key and the site's CA: a node accepts only
// connections that present a certificate signed by that CA and dials only
// nodes whose certificate it signed, so nobody without one of the site's
// certificates can speak Raft to a node (vote, append entries, install a
// snapshot) or pose as one to it. With caFile empty the node's own
// certificate chain is not enough to tell the site's nodes from anyone
// else's, so the CA is required.
func MutualTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	if caFile == "" {
		return nil, errors.New("raft over TLS needs the site's CA (--tls-ca): only certificates it signed may join")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("raft TLS: %w", err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("raft TLS: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("raft TLS: %s holds no PEM certificate", caFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS13,
	}, nil
}

// tlsStream is Raft's stream layer over mutual TLS: a TLS listener that
// requires a client certificate, and a dialer that presents this node's
// certificate and verifies the peer's against the site's CA (its address's
// host must be in the certificate's names or IP addresses). The listener's
// Accept hands Raft the connection before the handshake, which runs on
// its first read in the connection's own goroutine: a peer that never
// completes it holds up nobody else, and one without a certificate from
// the site's CA fails there and is closed before Raft decodes a byte.
type tlsStream struct {
	net.Listener
	adv net.Addr
	cfg *tls.Config
}

// newTLSStream listens on bind with cfg; adv is the address the other
// nodes dial.
func newTLSStream(bind string, adv net.Addr, cfg *tls.Config) (*tlsStream, error) {
	if cfg.ClientAuth != tls.RequireAndVerifyClientCert || cfg.ClientCAs == nil || cfg.RootCAs == nil || len(cfg.Certificates) == 0 {
		return nil, errors.New("raft TLS: the configuration must hold a certificate, the site's CA, and require client certificates (see MutualTLS)")
	}
	l, err := tls.Listen("tcp", bind, cfg)
	if err != nil {
		return nil, err
	}
	return &tlsStream{Listener: l, adv: adv, cfg: cfg}, nil
}

// Addr is the advertised address, as NewTCPTransport has it.
func (s *tlsStream) Addr() net.Addr { return s.adv }

// Dial opens a mutual TLS connection to another node, verified against
// the site's CA for the host of its Raft address.
func (s *tlsStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	host, _, err := net.SplitHostPort(string(address))
	if err != nil {
		return nil, err
	}
	cfg := s.cfg.Clone()
	cfg.ServerName = host
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: timeout}, Config: cfg}
	return d.Dial("tcp", string(address))
}
