package cluster

import (
	"net"
	"testing"
)

// FuzzParsePeers: any text either parses into nodes with distinct ids and
// addresses that are host:port, or is refused with an error; it never
// panics.
func FuzzParsePeers(f *testing.F) {
	f.Add("n1=127.0.0.1:7001/127.0.0.1:7071/127.0.0.1:8081")
	f.Add("n1=127.0.0.1:7001/127.0.0.1:7071/127.0.0.1:8081,n2=127.0.0.1:7002/127.0.0.1:7072/127.0.0.1:8082")
	f.Add("n1=a:1/b:2/c:3, n1=d:4/e:5/f:6")
	f.Add("=//,")
	f.Fuzz(func(t *testing.T, s string) {
		peers, err := ParsePeers(s)
		if err != nil {
			if peers != nil {
				t.Fatalf("refused %q but returned %v", s, peers)
			}
			return
		}
		if len(peers) == 0 {
			t.Fatalf("accepted %q with no node", s)
		}
		ids := map[string]bool{}
		for _, p := range peers {
			if p.ID == "" || ids[p.ID] {
				t.Fatalf("accepted %q: empty or repeated id %q", s, p.ID)
			}
			ids[p.ID] = true
			for _, a := range []string{p.Raft, p.GRPC, p.HTTP} {
				if _, _, err := net.SplitHostPort(a); err != nil {
					t.Fatalf("accepted %q: address %q: %v", s, a, err)
				}
			}
		}
	})
}
