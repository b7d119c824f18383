package web

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/pickpack/pickpack/labels"
	"github.com/pickpack/pickpack/server/floor"
	"github.com/pickpack/pickpack/server/store"
)

// Badges issues sign-in badges (the store: IssueBadgeTo).
type Badges interface {
	IssueBadgeTo(user string, role floor.Role, may func(floor.Role) bool) (store.IssuedBadge, error)
}

// badge issues a new sign-in badge for the user in the path and answers
// with it as a PDF to print: the sign-in code exists only in this answer
// (the store keeps its hash), so the badge is made here or never. The
// user's previous badge stops working. ?role= names the role of a new
// user; for an existing one it may be left out. Supervisors manage the
// floor roles' badges, admins everyone's, as SignInService.IssueBadge.
func (s *Server) badge(w http.ResponseWriter, r *http.Request) {
	const op = "issue badge"
	if s.Badges == nil {
		http.Error(w, "badges are not served here", http.StatusServiceUnavailable)
		return
	}
	user := r.PathValue("user")
	var vs floor.Violations
	floor.IDUser.Check(&vs, "user", user)
	role := floor.RoleUnspecified
	if name := r.URL.Query().Get("role"); name != "" {
		var ok bool
		if role, ok = floor.ParseRole(name); !ok {
			vs.Add("role", "unknown role: want picker, packer, receiver, counter, supervisor or admin")
		}
	}
	if err := vs.Err(op); err != nil {
		s.fail(w, r, err)
		return
	}
	by := r.Context().Value(callerKey{}).(callerOf).user
	issued, err := s.Badges.IssueBadgeTo(user, role, func(target floor.Role) bool { return floor.MayManage(by.Role, target) })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The badge renders in about a millisecond; the timeout is for a
	// starved machine. A failure here leaves the user without a working
	// badge (the old one is gone, the new code is dropped): issuing again
	// makes one.
	ctx, cancel := context.WithTimeout(r.Context(), s.renderTimeout())
	defer cancel()
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	var buf bytes.Buffer
	err = labels.WriteBadgePDF(ctx, &buf, labels.Badge{User: issued.User.Name, Role: issued.User.Role.String(),
		Code: issued.Code, Issued: s.now().In(loc)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Never the code: the log is no place for a key.
	s.Log.InfoContext(r.Context(), "badge issued", "user", issued.User.Name, "by", by.Name)
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", contentDisposition("attachment", "badge-"+issued.User.Name, "pdf"))
	// A key to the floor: no cache, shared or private, may keep it.
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}
