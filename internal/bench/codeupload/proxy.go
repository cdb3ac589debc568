package main

import (
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// latencyProxy forwards TCP connections to an address, holding every chunk back for half the
// round-trip time in each direction, so that a loopback Azurite answers like a storage account
// across a network: requests pay the round trip, bulk data still streams.
type latencyProxy struct {
	ln     net.Listener
	target string
	oneWay time.Duration
}

func startLatencyProxy(target string, rtt time.Duration) (*latencyProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &latencyProxy{ln: ln, target: target, oneWay: rtt / 2}
	go p.accept()
	return p, nil
}

func (p *latencyProxy) Close() error { return p.ln.Close() }

// rewrite returns u (a URL of the target) pointing at the proxy instead.
func (p *latencyProxy) rewrite(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	return strings.Replace(u, parsed.Host, p.ln.Addr().String(), 1)
}

func (p *latencyProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				return
			}
			go p.forward(s, c)
			p.forward(c, s)
		}()
	}
}

type delayed struct {
	due  time.Time
	data []byte
}

// forward copies from src to dst, writing each chunk oneWay after it arrived, in order.
func (p *latencyProxy) forward(dst, src net.Conn) {
	q := make(chan delayed, 4096)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- delayed{time.Now().Add(p.oneWay), b[:n]}
			}
			if err != nil {
				return
			}
		}
	}()
	for d := range q {
		time.Sleep(time.Until(d.due))
		if _, err := dst.Write(d.data); err != nil {
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	_, _ = io.Copy(io.Discard, src)
}
