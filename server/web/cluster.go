package web

import (
	"encoding/json"
	"net/http"

	"github.com/pickpack/pickpack/server/floor"
)

// Cluster is what an admin does to a site's membership through its
// leader: read its status, add a node, remove one.
type Cluster interface {
	// ClusterStatus is this node's view of the site, encoded as JSON.
	ClusterStatus() any
	// Join adds the node id with its Raft, gRPC and HTTP addresses.
	Join(id, raft, grpc, http string) error
	// Leave removes the node id.
	Leave(id string) error
}

// maxClusterBody bounds a join or leave request: a few addresses.
const maxClusterBody = 4 << 10

// clusterMember is the body of a join (id, addresses) or a leave (id).
type clusterMember struct {
	ID   string `json:"id"`
	Raft string `json:"raft"`
	GRPC string `json:"grpc"`
	HTTP string `json:"http"`
}

func (s *Server) clusterRoutes(mux *http.ServeMux) {
	admins := []floor.Role{floor.RoleAdmin}
	mux.Handle("GET /admin/cluster", s.authorized(admins, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Cluster.ClusterStatus())
	})))
	mux.Handle("POST /admin/cluster/join", s.authorized(admins, s.clusterChange("join cluster", func(m clusterMember) error {
		return s.Cluster.Join(m.ID, m.Raft, m.GRPC, m.HTTP)
	})))
	mux.Handle("POST /admin/cluster/leave", s.authorized(admins, s.clusterChange("leave cluster", func(m clusterMember) error {
		return s.Cluster.Leave(m.ID)
	})))
}

// clusterChange decodes the member of a join or leave and applies it.
func (s *Server) clusterChange(op string, apply func(clusterMember) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m clusterMember
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxClusterBody))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			s.fail(w, r, floor.Invalid(op, []floor.Violation{{Field: "body",
				Description: "want JSON {\"id\": ..., \"raft\": ..., \"grpc\": ..., \"http\": ...}: " + err.Error()}}))
			return
		}
		if err := apply(m); err != nil {
			s.fail(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
