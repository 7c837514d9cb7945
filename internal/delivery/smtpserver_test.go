/*
Copyright 2026 The mca-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package delivery

import (
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// relay is a real SMTP server on 127.0.0.1 that keeps what it receives.
type relay struct {
	addr *net.TCPAddr
	// user and pass, when set, are required; mechs are the AUTH mechanisms offered.
	user, pass string
	mechs      []string

	mu        sync.Mutex
	received  []received
	passwords []string // every password a client sent
	rcptErr   *smtp.SMTPError
	dataErr   *smtp.SMTPError
}

type received struct {
	from string
	rcpt []string
	data []byte
	tls  bool
	auth bool
}

type relayOptions struct {
	startTLS, implicitTLS *tls.Config
	user, pass            string
	mechs                 []string
	insecureAuth          bool
}

func startRelay(t *testing.T, o relayOptions) *relay {
	t.Helper()
	r := &relay{user: o.user, pass: o.pass, mechs: o.mechs}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, isTLS := c.TLSConnectionState()
		return &relaySession{r: r, tls: isTLS, conn: c}, nil
	}))
	s.Domain = "relay.test"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.TLSConfig = o.startTLS
	s.AllowInsecureAuth = o.insecureAuth
	var l net.Listener
	var err error
	if o.implicitTLS != nil {
		l, err = tls.Listen("tcp", "127.0.0.1:0", o.implicitTLS)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().(*net.TCPAddr)
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() { _ = s.Close() })
	return r
}

func (r *relay) messages() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.received)
}

func (r *relay) failRcpt(e *smtp.SMTPError) { r.mu.Lock(); r.rcptErr = e; r.mu.Unlock() }
func (r *relay) failData(e *smtp.SMTPError) { r.mu.Lock(); r.dataErr = e; r.mu.Unlock() }

type relaySession struct {
	r    *relay
	conn *smtp.Conn
	tls  bool
	auth bool
	cur  received
}

func (s *relaySession) AuthMechanisms() []string { return s.r.mechs }

func (s *relaySession) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		s.r.mu.Lock()
		s.r.passwords = append(s.r.passwords, pass)
		s.r.mu.Unlock()
		if user != s.r.user || pass != s.r.pass {
			// a careless relay that repeats what it was given
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials " + user + ":" + pass}
		}
		s.auth = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, errors.New("unsupported mechanism")
}

func (s *relaySession) Mail(from string, _ *smtp.MailOptions) error {
	if s.r.user != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.cur = received{from: from, tls: isTLS, auth: s.auth}
	return nil
}

func (s *relaySession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.rcptErr != nil {
		return s.r.rcptErr
	}
	s.cur.rcpt = append(s.cur.rcpt, to)
	return nil
}

func (s *relaySession) Data(rd io.Reader) error {
	data, err := io.ReadAll(rd)
	if err != nil {
		return err
	}
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	if s.r.dataErr != nil {
		return s.r.dataErr
	}
	s.cur.data = data
	s.r.received = append(s.r.received, s.cur)
	return nil
}

func (s *relaySession) Reset()        { s.cur = received{} }
func (s *relaySession) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl does not provide.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch {
	case l.step == 1 && len(response) == 0:
		return []byte("Username:"), false, nil
	case l.step == 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case l.step == 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}
