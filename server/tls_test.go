package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	nxclient "github.com/gammazero/nexus/v3/client"
	"github.com/gammazero/nexus/v3/transport/serialize"

	"github.com/mamoc-go/mamoc/server"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns a pool trusting it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mamoc-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestTLSOnBothListeners(t *testing.T) {
	cert, key, pool := selfSigned(t)
	srv := startServer(t, server.Config{RouterOnly: true, TLSCert: cert, TLSKey: key})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, url := range []string{"wss://" + srv.Addr().String() + "/ws", "tcps://" + srv.RawSocketAddr().String()} {
		cl, err := nxclient.ConnectNet(ctx, url, nxclient.Config{Realm: "mamoc_realm", Serialization: serialize.MSGPACK,
			TlsCfg: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Logger: nopLog{}})
		if err != nil {
			t.Errorf("connect %s: %v", url, err)
			continue
		}
		if _, err := cl.Call(ctx, "wamp.session.count", nil, nil, nil, nil); err != nil {
			t.Errorf("call over %s: %v", url, err)
		}
		_ = cl.Close()
	}
	// Plain ws:// to a TLS listener does not get a session.
	if cl, err := nxclient.ConnectNet(ctx, "ws://"+srv.Addr().String()+"/ws", nxclient.Config{Realm: "mamoc_realm", Logger: nopLog{}}); err == nil {
		_ = cl.Close()
		t.Error("plain ws:// connected to the TLS listener")
	}
}
