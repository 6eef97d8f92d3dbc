package kubetest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// certWait bounds the wait for the API server's self-signed certificate.
const certWait = 30 * time.Second

// clientConfig returns a configuration and a kubeconfig file for a user of
// the token file, trusting the certificate the API server generated.
func (s *Server) clientConfig(user, token string) (*rest.Config, string, error) {
	certFile := filepath.Join(s.dir, "certs", "apiserver.crt")
	var ca []byte
	for deadline := time.Now().Add(certWait); ; time.Sleep(100 * time.Millisecond) {
		var err error
		if ca, err = os.ReadFile(certFile); err == nil && len(ca) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, "", fmt.Errorf("kube-apiserver wrote no certificate to %s: %w\n%s", certFile, err, tail(s.api.log))
		}
	}
	host := "https://127.0.0.1:" + strconv.Itoa(s.port)
	cfg := &rest.Config{
		Host:            host,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: ca},
		// Tests create thousands of objects: client-side throttling
		// would measure the client, not the server or the agent.
		QPS: 1000, Burst: 2000,
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["zeta"] = &clientcmdapi.Cluster{Server: host, CertificateAuthorityData: ca}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts["zeta"] = &clientcmdapi.Context{Cluster: "zeta", AuthInfo: user}
	kc.CurrentContext = "zeta"
	name := map[string]string{AdminUser: "admin.kubeconfig", AgentUser: "agent.kubeconfig"}[user]
	path := filepath.Join(s.dir, name)
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		return nil, "", fmt.Errorf("write kubeconfig: %w", err)
	}
	return cfg, path, nil
}

// withDefaults completes a configuration for a bare REST client.
func withDefaults(c *rest.Config) *rest.Config {
	c = rest.CopyConfig(c)
	c.GroupVersion = &schema.GroupVersion{}
	c.APIPath = "/"
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	return c
}
