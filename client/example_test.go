package client_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"projectd"
	"projectd/client"
	"projectd/compat/surfaces"
	"projectd/internal/cli"
	"projectd/internal/testserver"
)

// Lists a user's active projects page after page, then renames one only if nobody
// changed it since it was read.
func Example() {
	base, token, stop := exampleServer()
	defer stop()
	ctx := context.Background()

	c := client.New(base, token)
	for _, name := range []string{"Atlas", "Borealis", "Cygnus"} {
		if _, err := c.CreateProject(ctx, projectd.ProjectCreate{Name: name}); err != nil {
			log.Fatal(err)
		}
	}
	var first *projectd.Project
	for p, err := range c.Projects(ctx, client.ListOptions{Status: "active", Sort: "name", Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Name, p.Version)
		if first == nil {
			first = &p
		}
	}
	renamed, err := c.UpdateProject(ctx, first.UID, projectd.ProjectUpdate{Name: ptr("Atlas II")}, first.ETag())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(renamed.Name, renamed.Version)
	_, err = c.UpdateProject(ctx, first.UID, projectd.ProjectUpdate{Name: ptr("Atlas III")}, first.ETag())
	fmt.Println(err != nil, strings.Contains(err.Error(), "changed since"))
	// Output:
	// Atlas 1
	// Borealis 1
	// Cygnus 1
	// Atlas II 2
	// true true
}

// exampleServer runs serve on a new SQLite store, as main does, with a user ann; it
// returns the server's origin, a token of ann's and how to stop it.
func exampleServer() (base, token string, stop func()) {
	dir, err := os.MkdirTemp("", "projectd-example")
	if err != nil {
		log.Fatal(err)
	}
	env := map[string]string{"PROJECTD_DB": "sqlite:" + filepath.Join(dir, "example.db"), "PROJECTD_MASTER_KEY": testserver.MasterKey}
	getenv := func(k string) string { return env[k] }
	program := cli.Program{Surfaces: surfaces.All}
	run := func(args ...string) string {
		var out bytes.Buffer
		if err := program.Run(context.Background(), args, getenv, nil, &out, io.Discard); err != nil {
			log.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	run("user", "create", "--login", "ann", "--email", "ann@example.com")
	token = run("token", "create", "--login", "ann")
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a free port for serve
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- program.Run(ctx, []string{"serve", "--addr", addr}, getenv, nil, io.Discard, io.Discard)
	}()
	base = "http://" + addr
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log.Fatal("the example server did not start")
		}
	}
	return base, token, func() {
		cancel()
		<-done
		os.RemoveAll(dir)
	}
}
