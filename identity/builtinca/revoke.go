package builtinca

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spiffe/go-spiffe/v2/spiffeid"

	"github.com/zeta-net/zeta/agent/statefile"
)

// ErrRevoked is returned by SVID for an identity on the deny list.
var ErrRevoked = errors.New("identity is revoked")

// readRevoked parses RevokedFile; a missing file is an empty list.
func readRevoked(dir string) (map[spiffeid.ID]struct{}, error) {
	data, err := os.ReadFile(filepath.Join(dir, RevokedFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[spiffeid.ID]struct{}{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", RevokedFile, err)
	}
	revoked := map[spiffeid.ID]struct{}{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, err := spiffeid.FromString(line)
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", RevokedFile, n, err)
		}
		revoked[id] = struct{}{}
	}
	return revoked, nil
}

// appendRevoked adds id to RevokedFile under the directory lock, so
// revocations by agents sharing the directory are not lost.
func appendRevoked(dir string, id spiffeid.ID) error {
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	data, err := os.ReadFile(filepath.Join(dir, RevokedFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("read %s: %w", RevokedFile, err)
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		data = append(data, '\n')
	}
	data = append(data, id.String()+"\n"...)
	return statefile.WriteFile(filepath.Join(dir, RevokedFile), data)
}
