package main

import (
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// insecureCreds is plaintext, used only where transportCredentials allows it.
func insecureCreds() credentials.TransportCredentials { return insecure.NewCredentials() }
