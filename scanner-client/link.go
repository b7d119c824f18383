package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
)

// bearer sends the token with every call. It never appears in output:
// errors name the server's reason, not the metadata.
type bearer struct {
	token  string
	secure bool
}

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + b.token}, nil
}

func (b bearer) RequireTransportSecurity() bool { return b.secure }

// loopback reports whether addr names this machine, where plaintext
// cannot be read off a network.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// transport is how a client reaches addr: TLS trusting ca when given,
// else plaintext to loopback (or anywhere with plaintext set), else TLS
// trusting the system's roots. Tokens never cross a network in clear
// unless the person asked for it.
func transport(addr, ca string, plaintext bool) (credentials.TransportCredentials, error) {
	switch {
	case ca != "":
		c, err := credentials.NewClientTLSFromFile(ca, "")
		if err != nil {
			return nil, fmt.Errorf("--ca: %w", err)
		}
		return c, nil
	case plaintext || loopback(addr):
		return insecure.NewCredentials(), nil
	default:
		return credentials.NewClientTLSFromCert(nil, ""), nil
	}
}

// dial makes the connection to the server (transport) with the token on
// every call.
func dial(addr, token, ca string, plaintext bool) (*grpc.ClientConn, error) {
	creds, err := transport(addr, ca, plaintext)
	if err != nil {
		return nil, err
	}
	return grpc.NewClient(addr, append(fixedWindows(),
		grpc.WithTransportCredentials(creds),
		grpc.WithPerRPCCredentials(bearer{token: token, secure: creds.Info().SecurityProtocol != "insecure"}),
		// A handheld back in Wi-Fi range should be online within a
		// second or two, not after gRPC's default backoff of up to 2 min.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}))...)
}

// fixedWindows turns off gRPC's bandwidth probe, which would answer nearly
// every verdict of a handheld's quiet connection with a window update and a
// ping for the server to acknowledge: four extra frames per scan. The
// server does the same (rpc.WindowBytes).
func fixedWindows() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithInitialWindowSize(4 << 20), grpc.WithInitialConnWindowSize(4 << 20)}
}

// scanStream is the one stream of a mode, whichever service it belongs to:
// queued entries go out in order, their answers come back in order.
type scanStream interface {
	Send(Entry) error
	Recv() (reply, error)
}

// reply is the server's answer to one queued entry: a *pb.ScanAnswer on
// the scan streams; in the inventory modes the call's response, or the
// error that refused the request (a refusal answers it: sending it again
// cannot help), with the request as read back from the entry to send it,
// so it is not read again to be shown (nil if it could not be read).
type reply struct {
	id  string
	req proto.Message
	msg proto.Message
	err error
}

type streamFuncs struct {
	send func(*pb.Scan) error
	recv func() (*pb.ScanAnswer, error)
}

// Send sends the scan an entry holds.
func (s streamFuncs) Send(e Entry) error { return s.send(e.Scan()) }

// Recv returns the next answer, named by its scan id.
func (s streamFuncs) Recv() (reply, error) {
	a, err := s.recv()
	if err != nil {
		return reply{}, err
	}
	return reply{id: a.GetScanId(), msg: a}, nil
}
func answerOf[R interface{ GetAnswer() *pb.ScanAnswer }](r R, err error) (*pb.ScanAnswer, error) {
	if err != nil {
		return nil, err
	}
	return r.GetAnswer(), nil
}

// openStream opens the stream of a scan mode on conn; the inventory modes
// open theirs with session.openInventory.
func openStream(ctx context.Context, conn grpc.ClientConnInterface, mode Mode) (scanStream, error) {
	switch mode {
	case ModePick:
		st, err := pb.NewPickServiceClient(conn).Scan(ctx)
		if err != nil {
			return nil, err
		}
		return streamFuncs{func(sc *pb.Scan) error { return st.Send(&pb.ScanRequest{Scan: sc}) },
			func() (*pb.ScanAnswer, error) { return answerOf(st.Recv()) }}, nil
	case ModePack:
		st, err := pb.NewPackServiceClient(conn).Pack(ctx)
		if err != nil {
			return nil, err
		}
		return streamFuncs{func(sc *pb.Scan) error { return st.Send(&pb.PackRequest{Scan: sc}) },
			func() (*pb.ScanAnswer, error) { return answerOf(st.Recv()) }}, nil
	case ModeHandoff:
		st, err := pb.NewPackServiceClient(conn).Handoff(ctx)
		if err != nil {
			return nil, err
		}
		return streamFuncs{func(sc *pb.Scan) error { return st.Send(&pb.HandoffRequest{Scan: sc}) },
			func() (*pb.ScanAnswer, error) { return answerOf(st.Recv()) }}, nil
	}
	return nil, fmt.Errorf("unknown mode %q", mode)
}

// fatal reports whether retrying cannot help: the token or the role is
// wrong, or the server does not offer the service.
func fatal(err error) bool {
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied, codes.Unimplemented:
		return true
	}
	return false
}

// Events the link posts to the session.
type (
	answerEvent struct{ r reply }
	linkEvent   struct {
		up       bool
		err      error
		fatal    bool
		rejected *Entry // a scan the server refused as malformed, taken out of the queue
	}
)

// link keeps one stream of a mode open through network loss. On every
// (re)connect it sends the whole queue in order, then each scan appended
// after, and passes the answers on. The server answers a stream's scans in
// order and recognises scan ids it has seen, so re-sending what may
// already have been applied is safe.
type link struct {
	open     func(context.Context) (scanStream, error)
	q        *Queue
	notify   <-chan struct{} // a scan was appended
	events   chan<- any
	minDelay time.Duration
	maxDelay time.Duration
}

func (l *link) post(ctx context.Context, ev any) bool {
	select {
	case l.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// run connects and reconnects until ctx ends or the server refuses the
// client for good.
func (l *link) run(ctx context.Context) {
	delay := l.minDelay
	for ctx.Err() == nil {
		sctx, cancel := context.WithCancel(ctx)
		st, err := l.open(sctx)
		if err == nil {
			if !l.post(ctx, linkEvent{up: true}) {
				cancel()
				return
			}
			var answered int
			var rejected *Entry
			answered, rejected, err = l.serve(sctx, st)
			if answered > 0 {
				delay = l.minDelay
			}
			if ctx.Err() != nil {
				cancel()
				return
			}
			if !l.post(ctx, linkEvent{err: err, fatal: fatal(err), rejected: rejected}) {
				cancel()
				return
			}
		} else if !l.post(ctx, linkEvent{err: err, fatal: fatal(err)}) {
			cancel()
			return
		}
		cancel()
		if fatal(err) {
			return
		}
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return
		}
		delay = min(delay*2, l.maxDelay)
	}
}

// serve sends the queue on st and passes answers on until the stream
// breaks. It returns how many answers came, and the scan the server
// refused if it ended the stream for a malformed scan.
func (l *link) serve(ctx context.Context, st scanStream) (int, *Entry, error) {
	var (
		mu       sync.Mutex
		sent     []Entry
		answered int
	)
	recvDone := make(chan error, 1)
	go func() {
		for {
			r, err := st.Recv()
			if err != nil {
				recvDone <- err
				return
			}
			mu.Lock()
			answered++
			mu.Unlock()
			if !l.post(ctx, answerEvent{r}) {
				recvDone <- ctx.Err()
				return
			}
		}
	}()
	var last uint64
	var err error
loop:
	for {
		for _, e := range l.q.After(last) {
			mu.Lock()
			sent = append(sent, e)
			mu.Unlock()
			if st.Send(e) != nil {
				// The stream is broken; Recv tells why.
				err = <-recvDone
				break loop
			}
			last = e.Seq
		}
		select {
		case <-l.notify:
		case err = <-recvDone:
			break loop
		case <-ctx.Done():
			err = <-recvDone
			break loop
		}
	}
	if errors.Is(err, context.Canceled) || status.Code(err) == codes.Canceled {
		err = ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	if status.Code(err) == codes.InvalidArgument && answered < len(sent) {
		// The server answers in order and stops at a malformed scan: it
		// is the first one sent and not answered. Left in the queue it
		// would end every stream again.
		bad := sent[answered]
		if _, ok, rerr := l.q.Remove(bad.ID); ok && rerr == nil {
			l.q.SetAside(bad, err)
			return answered, &bad, err
		}
	}
	return answered, nil, err
}
