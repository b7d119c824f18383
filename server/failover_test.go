package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/pickpack/pickpack/internal/testcert"
	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/store"
)

// failoverLimit bounds each wait of the failover test for something it
// polls: reaching it means the cluster is broken, not slow.
const failoverLimit = 30 * time.Second

// buildBinaries builds the server and the scanner client (the load tool)
// into dir, once per test.
func buildBinaries(t *testing.T, dir string) (server, client string) {
	t.Helper()
	server, client = filepath.Join(dir, "server"), filepath.Join(dir, "scanner-client")
	for _, b := range []struct{ out, pkg string }{{server, "."}, {client, "../scanner-client"}} {
		cmd := exec.Command("go", "build", "-o", b.out, b.pkg)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b.pkg, err, out)
		}
	}
	return server, client
}

// freeAddrs returns n loopback addresses that were free a moment ago.
func freeAddrs(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().String())
	}
	for _, l := range ls {
		l.Close()
	}
	return out
}

// clusterNode is one node of the test's site, a server process.
type clusterNode struct {
	id, dir          string
	raft, grpc, http string
	bin, peers       string
	cmd              *exec.Cmd
	out, log         *syncBuffer
	exited           chan error
	// tls are the node's TLS flags and ca the pool its certificate is
	// checked against; none: the node serves in clear.
	tls []string
	ca  *x509.CertPool
}

// start runs the node's process and waits until its /healthz answers.
func (n *clusterNode) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(n.bin, append([]string{"serve", "--node", n.id, "--cluster", n.peers, "--data", n.dir, "--demo", "--demo-every", "0"}, n.tls...)...)
	n.out, n.log = &syncBuffer{}, &syncBuffer{}
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.exited = make(chan error, 1)
	go func() { n.exited <- n.cmd.Wait() }()
	waitFor(t, n.id+" answers /healthz", func() bool {
		_, err := n.health()
		return err == nil
	})
}

// health is the node's /healthz.
func (n *clusterNode) health() (healthView, error) {
	var h healthView
	c := http.Client{Timeout: time.Second}
	scheme := "http://"
	if n.ca != nil {
		scheme = "https://"
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: n.ca, MinVersion: tls.VersionTLS12}}
	}
	resp, err := c.Get(scheme + n.http + "/healthz")
	if err != nil {
		return h, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return h, fmt.Errorf("%s", resp.Status)
	}
	return h, json.NewDecoder(resp.Body).Decode(&h)
}

// signal sends sig to the node's process.
func (n *clusterNode) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%s: %v: %v", n.id, sig, err)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (n *clusterNode) kill(t *testing.T) {
	t.Helper()
	n.signal(t, syscall.SIGKILL)
	<-n.exited
}

// stop ends the process as an operator does and checks that it ended well.
func (n *clusterNode) stop(t *testing.T) {
	t.Helper()
	n.signal(t, syscall.SIGTERM)
	select {
	case err := <-n.exited:
		if err != nil {
			t.Errorf("%s after SIGTERM: %v\n%s", n.id, err, n.log)
		}
	case <-time.After(failoverLimit):
		t.Fatalf("%s did not stop after SIGTERM\n%s", n.id, n.log)
	}
}

// waitFor polls cond until it holds, failing the test after failoverLimit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failoverLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, failoverLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// site is the test's three nodes.
type site []*clusterNode

// leader waits until the running nodes agree on a leader that takes
// writes, and returns it.
func (s site) leader(t *testing.T, up ...*clusterNode) *clusterNode {
	t.Helper()
	var lead *clusterNode
	waitFor(t, "leader all running nodes agree on", func() bool {
		lead = nil
		for _, n := range up {
			h, err := n.health()
			if err != nil || h.Leader == "" {
				return false
			}
			if h.Role == "leader" && h.Ready {
				lead = n
			}
			if lead != nil && h.Leader != lead.id {
				return false
			}
		}
		if lead == nil {
			return false
		}
		for _, n := range up {
			if h, _ := n.health(); h.Leader != lead.id {
				return false
			}
		}
		return true
	})
	return lead
}

// caughtUp waits until every node given has applied what the leader had
// committed when the wait began.
func caughtUp(t *testing.T, lead *clusterNode, nodes ...*clusterNode) {
	t.Helper()
	h, err := lead.health()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		waitFor(t, n.id+" applying up to "+fmt.Sprint(h.Commit), func() bool {
			nh, err := n.health()
			return err == nil && nh.Applied >= h.Commit
		})
	}
}

// progress waits until the leader has committed n more entries: writes go
// on.
func progress(t *testing.T, lead *clusterNode, n uint64, what string) {
	t.Helper()
	h, err := lead.health()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, what, func() bool {
		nh, err := lead.health()
		return err == nil && nh.Commit >= h.Commit+n
	})
}

// The failover test: three server processes on loopback as one site under
// load from the load tool, whose handhelds are given every node's address.
//  1. The leader is killed with SIGKILL: another takes over and the
//     handhelds carry on, re-sending their unanswered scans.
//  2. The killed node restarts and catches up.
//  3. A follower is killed with SIGKILL and restarted under load.
//  4. With both followers stopped (SIGSTOP) the leader is a minority and
//     acknowledges nothing; once they continue, writes are answered again.
//
// Then, with every node stopped: each scan the load tool had an answer to
// is stored exactly once, no scan is stored twice, the audit passes on
// every node's file, and every node's digest of every bucket is equal.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs a three-node cluster under load")
	}
	work := t.TempDir()
	serverBin, clientBin := buildBinaries(t, work)
	addrs := freeAddrs(t, 9)
	var nodes site
	var peers []string
	for i := range 3 {
		n := &clusterNode{id: fmt.Sprintf("n%d", i+1), dir: filepath.Join(work, fmt.Sprintf("n%d", i+1)), bin: serverBin,
			raft: addrs[3*i], grpc: addrs[3*i+1], http: addrs[3*i+2]}
		nodes = append(nodes, n)
		peers = append(peers, n.id+"="+n.raft+"/"+n.grpc+"/"+n.http)
	}
	for _, n := range nodes {
		n.peers = strings.Join(peers, ",")
	}
	for _, n := range nodes {
		n.start(t)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.cmd.ProcessState == nil {
				n.cmd.Process.Signal(syscall.SIGCONT)
				n.cmd.Process.Kill()
				<-n.exited
			}
		}
		if t.Failed() || os.Getenv("PICKPACK_FAILOVER_LOGS") != "" {
			for _, n := range nodes {
				t.Logf("%s log:\n%s", n.id, n.log)
			}
		}
	})
	lead := nodes.leader(t, nodes...)
	var admin string
	waitFor(t, "demo admin token on the leader's output", func() bool {
		for _, line := range strings.Split(lead.out.String(), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "admin" {
				admin = f[2]
			}
		}
		return admin != ""
	})
	t.Logf("leader %s", lead.id)

	// The load: 60 handhelds at 2 scans/s, on every node's address, until
	// it is interrupted.
	acked := filepath.Join(work, "acked.txt")
	bench := exec.Command(clientBin, "bench", "--addr", nodes[0].grpc+","+nodes[1].grpc+","+nodes[2].grpc, "--token", admin,
		"--pickers", "60", "--rate", "2", "--duration", "10m", "--allow-errors", "--acked", acked)
	var benchOut bytes.Buffer
	benchLog := &syncBuffer{}
	bench.Stdout = &benchOut
	benchErr, err := bench.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	benchDone := make(chan error, 1)
	scanning := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(benchErr)
		once := false
		for sc.Scan() {
			fmt.Fprintln(benchLog, sc.Text())
			if !once && strings.Contains(sc.Text(), "scanning for") {
				once = true
				close(scanning)
			}
		}
		benchDone <- bench.Wait()
	}()
	defer func() {
		if bench.ProcessState == nil {
			bench.Process.Kill()
			<-benchDone
		}
	}()
	var began time.Time
	at := func() string { return fmt.Sprintf("%.2fs", time.Since(began).Seconds()) }
	select {
	case <-scanning:
		began = time.Now()
	case err := <-benchDone:
		t.Fatalf("the load tool ended before scanning: %v\n%s", err, benchLog)
	case <-time.After(failoverLimit):
		t.Fatalf("the load tool did not start scanning\n%s", benchLog)
	}
	progress(t, lead, 200, "200 writes under load before the kill")

	// 1. The leader dies.
	killed := lead
	killed.kill(t)
	killedAt := time.Now()
	var rest []*clusterNode
	for _, n := range nodes {
		if n != killed {
			rest = append(rest, n)
		}
	}
	lead = nodes.leader(t, rest...)
	t.Logf("%s killed at %s into the load; %s leads after %v", killed.id, at(), lead.id, time.Since(killedAt).Round(time.Millisecond))
	progress(t, lead, 200, "200 writes under load after the new leader took over")

	// 2. The killed node comes back and catches up.
	killed.start(t)
	t.Logf("%s restarted at %s", killed.id, at())
	caughtUp(t, lead, killed)
	if l := nodes.leader(t, nodes...); l != lead {
		t.Logf("leadership moved to %s after the restart (%s)", l.id, at())
		lead = l
	}

	// 3. A follower dies under load and comes back.
	var follower *clusterNode
	for _, n := range nodes {
		if n != lead {
			follower = n
			break
		}
	}
	follower.kill(t)
	t.Logf("follower %s killed at %s", follower.id, at())
	progress(t, lead, 200, "200 writes under load with a follower down")
	follower.start(t)
	t.Logf("follower %s restarted at %s", follower.id, at())
	caughtUp(t, lead, follower)
	progress(t, lead, 100, "100 writes under load with the follower back")

	// The load ends: every handheld's scan in flight is answered first.
	t.Logf("load stopped at %s", at())
	bench.Process.Signal(os.Interrupt)
	select {
	case err := <-benchDone:
		if err != nil {
			t.Fatalf("load tool: %v\n%s\n%s", err, benchOut.String(), benchLog)
		}
	case <-time.After(failoverLimit):
		t.Fatalf("the load tool did not stop\n%s", benchLog)
	}
	t.Logf("load tool:\n%s", benchOut.String())
	lead = nodes.leader(t, nodes...)
	caughtUp(t, lead, nodes...)

	// 4. A minority: both followers stopped, the leader alone can
	// acknowledge nothing.
	writes := 0
	write := func(via *clusterNode) error {
		conn, err := grpc.NewClient(via.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		ctx, cancel := context.WithTimeout(bearer(admin), 2*time.Second)
		defer cancel()
		writes++
		_, err = pb.NewAuthServiceClient(conn).CreateToken(ctx, &pb.CreateTokenRequest{User: fmt.Sprintf("write-%d", writes), Role: pb.Role_ROLE_PICKER})
		return err
	}
	// settled waits for a leader whose stack serves (a write through it
	// is acknowledged: the new leader's own writes, the demo's tokens,
	// are done) and for every node to apply what it committed.
	settled := func(what string) *clusterNode {
		t.Helper()
		l := nodes.leader(t, nodes...)
		waitFor(t, "a write acknowledged "+what, func() bool { return write(l) == nil })
		caughtUp(t, l, nodes...)
		return l
	}
	lead = settled("after the load")
	var followers []*clusterNode
	for _, n := range nodes {
		if n != lead {
			followers = append(followers, n)
			n.signal(t, syscall.SIGSTOP)
		}
	}
	for i := 1; i <= 3; i++ {
		if err := write(lead); err == nil {
			t.Fatalf("write %d acknowledged by a leader cut off from both followers", i)
		} else {
			t.Logf("minority write %d: %v", i, err)
		}
	}
	for _, n := range followers {
		n.signal(t, syscall.SIGCONT)
	}
	lead = settled("once the majority is back")
	checkRoles(t, admin, lead, nodes)

	// A planned stop of the leader hands leadership over; the node comes
	// back and catches up.
	lead.stop(t)
	stopped := time.Now()
	var others []*clusterNode
	for _, n := range nodes {
		if n != lead {
			others = append(others, n)
		}
	}
	next := nodes.leader(t, others...)
	t.Logf("%s stopped with SIGTERM; %s leads %v later", lead.id, next.id, time.Since(stopped).Round(time.Millisecond))
	lead.start(t)
	lead = settled("after the planned stop")
	// The followers stop first: the leader alone then commits nothing
	// the others could miss.
	for _, n := range nodes {
		if n != lead {
			n.stop(t)
		}
	}
	lead.stop(t)

	// Offline: digests equal, the audit passes on every node, every
	// acknowledged scan stored exactly once.
	var digests []string
	for _, n := range nodes {
		var out bytes.Buffer
		if err := Run(context.Background(), []string{"digest", "--data", n.dir}, &out, io.Discard); err != nil {
			t.Fatalf("digest of %s: %v", n.id, err)
		}
		digests = append(digests, out.String())
	}
	for i := 1; i < len(digests); i++ {
		if digests[i] != digests[0] {
			t.Errorf("digest of %s differs from %s's:\n%s\n%s", nodes[i].id, nodes[0].id, digests[i], digests[0])
		}
	}
	for _, n := range nodes {
		// On a copy: opening a file to audit it may write to it.
		cp := filepath.Join(work, "audit-"+n.id)
		if err := os.MkdirAll(cp, 0o700); err != nil {
			t.Fatal(err)
		}
		copyFile(t, filepath.Join(n.dir, "pickpack.db"), filepath.Join(cp, "pickpack.db"))
		out, err := exec.Command(serverBin, "audit", "--data", cp).CombinedOutput()
		if err != nil {
			t.Errorf("audit of %s: %v\n%s", n.id, err, out)
		}
	}
	checkAcked(t, acked, filepath.Join(work, "audit-"+nodes[0].id, "pickpack.db"))
}

// checkRoles checks what tells the leader from the followers (gRPC
// health, /healthz) and the membership routes through a follower.
func checkRoles(t *testing.T, admin string, lead *clusterNode, nodes site) {
	t.Helper()
	var follower *clusterNode
	for _, n := range nodes {
		conn, err := grpc.NewClient(n.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{Service: leaderHealthService})
		conn.Close()
		want, role := healthpb.HealthCheckResponse_NOT_SERVING, "follower"
		if n == lead {
			want, role = healthpb.HealthCheckResponse_SERVING, "leader"
		} else {
			follower = n
		}
		if err != nil || resp.GetStatus() != want {
			t.Errorf("%s: health of %s: got %v, %v; want %v", n.id, leaderHealthService, resp.GetStatus(), err, want)
		}
		if h, err := n.health(); err != nil || h.Role != role || h.Leader != lead.id {
			t.Errorf("%s: /healthz %+v, %v; want role %s, leader %s", n.id, h, err, role, lead.id)
		}
	}
	var out bytes.Buffer
	if err := Run(context.Background(), []string{"cluster", "status", "--addr", follower.http, "--token", admin}, &out, io.Discard); err != nil {
		t.Fatalf("cluster status through %s: %v", follower.id, err)
	}
	var st struct {
		Node  string
		Role  string
		Peers []struct{ ID, GRPC string }
	}
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || st.Node != lead.id || st.Role != "leader" || len(st.Peers) != len(nodes) {
		t.Errorf("cluster status through %s: %+v, %v; want the leader %s's view of %d nodes\n%s", follower.id, st, err, lead.id, len(nodes), out.String())
	}
	for _, tc := range []struct {
		name, token, path, body string
		want                    int
	}{
		{"no token", "", "/admin/cluster", "", http.StatusUnauthorized},
		{"not JSON", admin, "/admin/cluster/join", "n4=a/b/c", http.StatusBadRequest},
		{"unknown field", admin, "/admin/cluster/join", `{"id":"n4","port":1}`, http.StatusBadRequest},
		{"bad addresses", admin, "/admin/cluster/join", `{"id":"n4","raft":"nowhere","grpc":"x","http":"y"}`, http.StatusBadRequest},
		{"leave of a stranger", admin, "/admin/cluster/leave", `{"id":"n9"}`, http.StatusNotFound},
	} {
		method := http.MethodPost
		if tc.body == "" {
			method = http.MethodGet
		}
		req, err := http.NewRequest(method, "http://"+follower.http+tc.path, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if tc.token != "" {
			req.Header.Set("Authorization", "Bearer "+tc.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s %s through a follower: got %d %s, want %d", tc.name, method, tc.path, resp.StatusCode, msg, tc.want)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// checkAcked checks that every scan in the load tool's file of answered
// scans is stored in the data file at path, and that no scan id is stored
// twice.
func checkAcked(t *testing.T, ackedFile, path string) {
	t.Helper()
	data, err := os.ReadFile(ackedFile)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[string]int{}
	for after := uint64(0); ; {
		log, err := st.ScanLog(after, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) == 0 {
			break
		}
		for _, e := range log {
			stored[e.Kind+"\t"+e.User+"\t"+e.Scan.ID]++
			after = e.Seq
		}
	}
	acked := 0
	for line := range strings.Lines(string(data)) {
		f := strings.Split(strings.TrimSpace(line), "\t")
		if len(f) != 3 {
			t.Fatalf("acked file line %q", line)
		}
		acked++
		if n := stored["pick\t"+f[0]+"\t"+f[1]]; n != 1 {
			t.Errorf("scan %s of %s (answered %s) is stored %d times, want once", f[1], f[0], f[2], n)
		}
	}
	for k, n := range stored {
		if n != 1 {
			t.Errorf("scan %q is stored %d times", k, n)
		}
	}
	if acked < 1000 {
		t.Errorf("only %d scans answered: the load did not run", acked)
	}
	t.Logf("%d answered scans, each stored once; %d scans stored in all", acked, len(stored))
}

// A site whose nodes have certificates from its CA runs everything over
// TLS: the nodes elect a leader and replicate over mutual TLS, /healthz
// answers only over TLS, and when the leader is killed another takes
// over and the killed one, restarted, catches up.
func TestFailoverOverTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs a three-node cluster")
	}
	work := t.TempDir()
	serverBin, _ := buildBinaries(t, work)
	ca := testcert.NewCA(t, work, "site")
	addrs := freeAddrs(t, 9)
	var nodes site
	var peers []string
	for i := range 3 {
		id := fmt.Sprintf("n%d", i+1)
		cert, key := ca.Issue(t, id)
		n := &clusterNode{id: id, dir: filepath.Join(work, id), bin: serverBin,
			raft: addrs[3*i], grpc: addrs[3*i+1], http: addrs[3*i+2],
			tls: []string{"--tls-cert", cert, "--tls-key", key, "--tls-ca", ca.File}, ca: ca.Pool}
		nodes = append(nodes, n)
		peers = append(peers, n.id+"="+n.raft+"/"+n.grpc+"/"+n.http)
	}
	for _, n := range nodes {
		n.peers = strings.Join(peers, ",")
		n.start(t)
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			if n.cmd.ProcessState == nil {
				n.cmd.Process.Kill()
				<-n.exited
			}
		}
		if t.Failed() {
			for _, n := range nodes {
				t.Logf("%s log:\n%s", n.id, n.log)
			}
		}
	})
	lead := nodes.leader(t, nodes...)
	caughtUp(t, lead, nodes...)
	for _, n := range nodes {
		resp, err := (&http.Client{Timeout: time.Second}).Get("http://" + n.http + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Errorf("%s answered /healthz in clear", n.id)
			}
		}
	}
	// Raft's port speaks TLS, to a client with one of the site's
	// certificates.
	pcert, pkey := ca.Issue(t, "probe")
	pair, err := tls.LoadX509KeyPair(pcert, pkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", n.raft,
			&tls.Config{Certificates: []tls.Certificate{pair}, RootCAs: ca.Pool, MinVersion: tls.VersionTLS13})
		if err != nil {
			t.Errorf("TLS handshake with %s's Raft port: %v", n.id, err)
			continue
		}
		conn.Close()
	}
	lead.kill(t)
	var up site
	for _, n := range nodes {
		if n != lead {
			up = append(up, n)
		}
	}
	next := nodes.leader(t, up...)
	if next == lead {
		t.Fatalf("the killed leader %s still leads", lead.id)
	}
	lead.start(t)
	caughtUp(t, next, nodes...)
}
