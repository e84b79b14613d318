package vectors

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/taimen-dev/taimen/myna"
)

// DefaultProfile is the ID of the profile an emulated card takes when none is named.
const DefaultProfile = "p01-showa"

// ErrUnknownProfile is wrapped when a reference names neither a file nor an embedded profile.
var ErrUnknownProfile = errors.New("no such profile")

// idPattern is the form of a profile ID (myna's profile "id").
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// LoadProfile loads the profile ref names: a profile file or a profile's directory (holding
// profile.json) on disk, else the ID of a profile embedded in the binary (ProfileIDs). A
// reference that is neither wraps ErrUnknownProfile; a profile that does not load is
// myna.LoadProfile's error.
func LoadProfile(ref string) (*myna.Profile, error) {
	if st, err := os.Stat(ref); err == nil {
		if !st.IsDir() {
			return myna.LoadProfile(ref)
		}
		p := filepath.Join(ref, "profile.json")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return myna.LoadProfile(p)
		}
		return nil, fmt.Errorf("profile %q is a directory with no profile.json in it: give the profile file, its directory or its ID: %w", ref, ErrUnknownProfile)
	}
	if idPattern.MatchString(ref) {
		name := path.Join(ref, "profile.json")
		if _, err := fs.Stat(Profiles, name); err == nil {
			return myna.LoadProfileFS(Profiles, name)
		}
	}
	return nil, fmt.Errorf("profile %q: no such file, nor a built-in profile ID (%s): %w", ref, strings.Join(ProfileIDs(), ", "), ErrUnknownProfile)
}

// ProfileIDs lists the IDs of the embedded profiles, sorted.
func ProfileIDs() []string {
	var ids []string
	entries, _ := fs.ReadDir(Profiles, ".")
	for _, e := range entries {
		if _, err := fs.Stat(Profiles, path.Join(e.Name(), "profile.json")); e.IsDir() && err == nil {
			ids = append(ids, e.Name())
		}
	}
	sort.Strings(ids)
	return ids
}
