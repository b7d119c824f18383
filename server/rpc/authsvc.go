package rpc

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/pickpack/pickpack/proto/pickpack/v1"
	"github.com/pickpack/pickpack/server/floor"
)

type authService struct {
	*Server
	pb.UnimplementedAuthServiceServer
}

func (s authService) CreateToken(ctx context.Context, req *pb.CreateTokenRequest) (*pb.CreateTokenResponse, error) {
	var vs floor.Violations
	if err := floor.ValidateUserName(req.GetUser()); err != nil {
		vs.Add("user", "%v", err)
	}
	role, ok := keyOf(roles, req.GetRole())
	if !ok {
		vs.Add("role", "set one of ROLE_PICKER, ROLE_PACKER, ROLE_SUPERVISOR, ROLE_ADMIN")
	}
	if err := vs.Err("create token"); err != nil {
		return nil, err
	}
	token, err := s.store.CreateToken(req.GetUser(), role)
	if err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "token created", "user", req.GetUser(), "role", role, "by", caller(ctx).Name)
	return &pb.CreateTokenResponse{Token: token}, nil
}

func (s authService) RevokeToken(ctx context.Context, req *pb.RevokeTokenRequest) (*pb.RevokeTokenResponse, error) {
	var vs floor.Violations
	floor.IDUser.Check(&vs, "user", req.GetUser())
	if err := vs.Err("revoke token"); err != nil {
		return nil, err
	}
	n, err := s.store.RevokeTokens(req.GetUser())
	if err != nil {
		return nil, err
	}
	// After the store, before the answer: a scan the revoked user sends
	// once the admin has the answer finds its stream ended.
	streams := s.Streams.Revoke(req.GetUser())
	s.log.InfoContext(ctx, "tokens revoked", "user", req.GetUser(), "count", n, "streams", streams, "by", caller(ctx).Name)
	return &pb.RevokeTokenResponse{Revoked: int32(n)}, nil
}

func (s authService) ListUsers(context.Context, *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	users, err := s.store.Users()
	if err != nil {
		return nil, err
	}
	resp := &pb.ListUsersResponse{}
	for _, u := range users {
		resp.Users = append(resp.Users, &pb.User{Name: u.Name, Role: roles[u.Role], CreatedAt: timestamppb.New(u.Created), Tokens: int32(u.Tokens)})
	}
	return resp, nil
}
