// Package deploy_test checks the deployment examples of docs/deploy: the Kubernetes manifests
// parse strictly with the upstream API types, and their shard wiring, run through a shell
// with stand-ins for taimen and pcscd, gives every shard once and merges exactly those; the CI
// workflow fans out over every shard and merges them.
package deploy_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// documents parses a multi-document manifest strictly: every document a known kind, no field
// the upstream types do not have.
func documents(t *testing.T, path string) (jobs []batchv1.Job, claims []corev1.PersistentVolumeClaim) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, doc := range strings.Split(string(b), "\n---\n") {
		var head struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("%s, document %d: %v", path, i+1, err)
		}
		switch head.APIVersion + " " + head.Kind {
		case "batch/v1 Job":
			var j batchv1.Job
			if err := yaml.UnmarshalStrict([]byte(doc), &j); err != nil {
				t.Fatalf("%s, document %d: %v", path, i+1, err)
			}
			jobs = append(jobs, j)
		case "v1 PersistentVolumeClaim":
			var c corev1.PersistentVolumeClaim
			if err := yaml.UnmarshalStrict([]byte(doc), &c); err != nil {
				t.Fatalf("%s, document %d: %v", path, i+1, err)
			}
			claims = append(claims, c)
		default:
			t.Fatalf("%s, document %d: unexpected %s %s", path, i+1, head.APIVersion, head.Kind)
		}
	}
	return jobs, claims
}

// standIns is a PATH with a taimen that prints its arguments, one a line, and a pcscd that
// does nothing.
func standIns(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, script := range map[string]string{
		"taimen": "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n",
		"pcscd":  "#!/bin/sh\nexit 0\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runContainer runs a container's command and arguments with its literal environment and
// extra variables, with the stand-ins first on PATH, and returns what taimen was given.
func runContainer(t *testing.T, c corev1.Container, path string, extra ...string) []string {
	t.Helper()
	argv := append(slices.Clone(c.Command), c.Args...)
	if len(argv) == 0 {
		t.Fatalf("container %s has no command", c.Name)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = []string{"PATH=" + path + ":/usr/bin:/bin"}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			cmd.Env = append(cmd.Env, e.Name+"="+e.Value)
		}
	}
	cmd.Env = append(cmd.Env, extra...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("container %s: %v\n%s", c.Name, err, stderr.String())
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// flag returns the value after name in args ("" if absent).
func flag(args []string, name string) string {
	if i := slices.Index(args, name); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

func TestKubernetesIndexedJob(t *testing.T) {
	jobs, claims := documents(t, filepath.Join("kubernetes", "taimen-lab.yaml"))
	merges, _ := documents(t, filepath.Join("kubernetes", "taimen-merge.yaml"))
	if len(jobs) != 1 || len(claims) != 1 || len(merges) != 1 {
		t.Fatalf("%d shard jobs, %d claims, %d merge jobs; want one each", len(jobs), len(claims), len(merges))
	}
	j := jobs[0]
	if j.Spec.CompletionMode == nil || *j.Spec.CompletionMode != batchv1.IndexedCompletion || j.Spec.Completions == nil {
		t.Fatalf("%s is not an Indexed Job with completions", j.Name)
	}
	n := int(*j.Spec.Completions)
	pod := j.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	devices := 0
	for name := range c.Resources.Limits {
		if strings.Contains(string(name), "/") { // an extended resource: a device plugin's
			devices++
		}
	}
	if devices != 1 {
		t.Errorf("the shard pod asks for %d device-plugin resources, want its one reader", devices)
	}
	path := standIns(t)
	var outs []string
	for index := range n {
		args := runContainer(t, c, path, "JOB_COMPLETION_INDEX="+strconv.Itoa(index))
		if args[0] != "run" {
			t.Fatalf("index %d runs taimen %q", index, args)
		}
		if got, want := flag(args, "--shard"), fmt.Sprintf("%d/%d", index+1, n); got != want {
			t.Errorf("index %d: --shard %q, want %q (completions %d)", index, got, want, n)
		}
		outs = append(outs, flag(args, "--out"))
	}
	if len(slices.Compact(slices.Sorted(slices.Values(outs)))) != n {
		t.Errorf("the shards' report directories are not distinct: %q", outs)
	}
	mc := merges[0].Spec.Template.Spec.Containers[0]
	args := runContainer(t, mc, path)
	if len(args) < 2 || args[0] != "report" || args[1] != "merge" {
		t.Fatalf("the merge job runs taimen %q", args)
	}
	var merged []string
	for i := 2; i < len(args); i++ {
		if args[i] == "--out" {
			i++
			continue
		}
		merged = append(merged, args[i])
	}
	if d := cmp.Diff(outs, merged); d != "" {
		t.Errorf("the merge job does not merge exactly the shards' directories (-shards +merged):\n%s", d)
	}
	claim := claims[0].Name
	for _, p := range []corev1.PodSpec{pod, merges[0].Spec.Template.Spec} {
		if len(p.Volumes) != 1 || p.Volumes[0].PersistentVolumeClaim == nil || p.Volumes[0].PersistentVolumeClaim.ClaimName != claim {
			t.Errorf("a pod does not mount the results claim %q: %+v", claim, p.Volumes)
		}
	}
}

func TestGitHubActionsMatrix(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("ci", "github-actions.yml"))
	if err != nil {
		t.Fatal(err)
	}
	type step struct {
		Name, Run, Uses string
		With            map[string]string
	}
	var wf struct {
		Jobs map[string]struct {
			Needs    any
			If       string
			Strategy struct {
				FailFast *bool `json:"fail-fast"`
				Matrix   struct {
					Shard []int
				}
			}
			Steps []step
		}
	}
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatal(err)
	}
	sh, ok := wf.Jobs["shard"]
	if !ok {
		t.Fatal("no job shard")
	}
	n := len(sh.Strategy.Matrix.Shard)
	if n < 2 || sh.Strategy.FailFast == nil || *sh.Strategy.FailFast {
		t.Fatalf("matrix %v, fail-fast %v: want several shards and fail-fast false", sh.Strategy.Matrix.Shard, sh.Strategy.FailFast)
	}
	for i, s := range sh.Strategy.Matrix.Shard {
		if s != i+1 {
			t.Errorf("matrix shard %d is %d: want 1..%d", i, s, n)
		}
	}
	var runs, uploads int
	for _, s := range sh.Steps {
		if strings.Contains(s.Run, "taimen run") {
			runs++
			if !strings.Contains(s.Run, fmt.Sprintf("--shard ${{ matrix.shard }}/%d ", n)) {
				t.Errorf("the run step does not pass --shard ${{ matrix.shard }}/%d: %q", n, s.Run)
			}
		}
		if strings.HasPrefix(s.Uses, "actions/upload-artifact") && strings.Contains(s.With["name"], "${{ matrix.shard }}") {
			uploads++
		}
	}
	if runs != 1 || uploads != 1 {
		t.Errorf("the shard job has %d run steps and %d per-shard uploads, want one each", runs, uploads)
	}
	m, ok := wf.Jobs["merge"]
	if !ok || fmt.Sprint(m.Needs) != "shard" || m.If != "always()" {
		t.Fatalf("the merge job: present %v, needs %v, if %q: want needs shard, if always()", ok, m.Needs, m.If)
	}
	merges := 0
	for _, s := range m.Steps {
		if strings.Contains(s.Run, "taimen report merge") {
			merges++
		}
	}
	if merges != 1 {
		t.Errorf("the merge job runs taimen report merge %d times", merges)
	}
}
