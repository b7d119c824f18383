package cluster

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/pickpack/pickpack/server/floor"
)

// Peer is one node of a site: its Raft address and the two API addresses
// clients and other nodes use to reach it. Addresses are host:port.
type Peer struct {
	ID   string `json:"id"`
	Raft string `json:"raft"`
	GRPC string `json:"grpc"`
	HTTP string `json:"http"`
}

// maxPeers bounds a --cluster list: Raft sites have 3 or 5 voters, a list
// much longer than that is a mistake, not a site.
const maxPeers = 9

// ParsePeers reads "n1=RAFT/GRPC/HTTP,n2=RAFT/GRPC/HTTP,...", the --cluster
// flag. Every problem is reported as a field violation ("cluster[1].grpc").
func ParsePeers(s string) ([]Peer, error) {
	const op = "parse cluster"
	var vs floor.Violations
	s = strings.TrimSpace(s)
	if s == "" {
		vs.Add("cluster", "is empty; want n1=RAFT/GRPC/HTTP,n2=...")
		return nil, vs.Err(op)
	}
	items := strings.Split(s, ",")
	if len(items) > maxPeers {
		vs.Add("cluster", "has %d nodes; at most %d", len(items), maxPeers)
		return nil, vs.Err(op)
	}
	peers := make([]Peer, 0, len(items))
	for i, item := range items {
		field := fmt.Sprintf("cluster[%d]", i)
		id, addrs, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			vs.Add(field, "want ID=RAFT/GRPC/HTTP")
			continue
		}
		parts := strings.Split(addrs, "/")
		if len(parts) != 3 {
			vs.Add(field, "want three addresses RAFT/GRPC/HTTP, got %d", len(parts))
			continue
		}
		peers = append(peers, Peer{ID: strings.TrimSpace(id), Raft: parts[0], GRPC: parts[1], HTTP: parts[2]})
	}
	if len(vs) == 0 {
		vs = validatePeers(peers)
	}
	if err := vs.Err(op); err != nil {
		return nil, err
	}
	return peers, nil
}

// validatePeers checks ids and addresses and that no two nodes share one.
func validatePeers(peers []Peer) floor.Violations {
	var vs floor.Violations
	ids := map[string]int{}
	addrs := map[string]string{}
	for i, p := range peers {
		field := fmt.Sprintf("cluster[%d]", i)
		if err := checkID(p.ID); err != "" {
			vs.Add(field+".id", "%s", err)
		} else if j, dup := ids[p.ID]; dup {
			vs.Add(field+".id", "%q is already cluster[%d]", p.ID, j)
		} else {
			ids[p.ID] = i
		}
		for _, a := range []struct{ name, addr string }{{"raft", p.Raft}, {"grpc", p.GRPC}, {"http", p.HTTP}} {
			f := field + "." + a.name
			if err := checkAddr(a.addr); err != "" {
				vs.Add(f, "%s", err)
				continue
			}
			if other, dup := addrs[a.addr]; dup {
				vs.Add(f, "%s is already used by %s", a.addr, other)
				continue
			}
			addrs[a.addr] = f
		}
	}
	return vs
}

// checkID accepts short ids of letters, digits, '-' and '_': they name the
// node in logs, metrics labels and the Raft configuration.
func checkID(id string) string {
	if id == "" {
		return "is empty"
	}
	if len(id) > 64 {
		return "is longer than 64 characters"
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Sprintf("%q has %q; use letters, digits, '-' and '_'", id, r)
		}
	}
	return ""
}

// checkAddr wants host:port with a host other nodes can dial: an empty or
// unspecified host (":7000", "0.0.0.0:7000") cannot be advertised.
func checkAddr(addr string) string {
	if addr == "" {
		return "is empty; want host:port"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("%q is not host:port", addr)
	}
	if host == "" {
		return fmt.Sprintf("%q has no host; other nodes must be able to dial it", addr)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return fmt.Sprintf("%q is an unspecified address; other nodes must be able to dial it", addr)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return fmt.Sprintf("%q has no port between 1 and 65535", addr)
	}
	return ""
}
