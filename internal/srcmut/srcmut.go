// Package srcmut mutates Go source for mutation testing with mutant schemata: every mutation
// site of a file is compiled into one build, guarded by active.On(site), so that one binary
// holds every mutant and an environment variable (active.Env) picks the one a run executes.
// One build and a two-second suite run per mutant, instead of a build per mutant.
//
// The operators: comparison boundaries (< ↔ <=, > ↔ >=), negated comparisons, integer
// constants in comparisons off by one, && ↔ ||, a removed !, + ↔ - between call-free
// operands, ++ ↔ --, and removed statements (assignments, ++/--, calls). Only function
// bodies are mutated.
package srcmut

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"strconv"
	"strings"

	"golang.org/x/tools/go/ast/astutil"
)

// ActivePkg is the import path of the switch the mutated files call.
const ActivePkg = "github.com/taimen-dev/taimen/internal/srcmut/active"

// Site is one mutant: where it is and what it changes.
type Site struct {
	ID   int    `json:"id"`
	File string `json:"file"` // as given to Instrument
	Line int    `json:"line"`
	Func string `json:"func"`
	Kind string `json:"kind"` // boundary, negate, const, logic, not, arith, incdec, remove
	From string `json:"from"` // the original source
	To   string `json:"to"`   // what the mutant does instead
	// Key names the site stably across edits elsewhere in the file: file, function, kind,
	// the change, and which such change in the function it is.
	Key string `json:"key"`
	// FaultOnly marks a site that only a deliberately faulty card executes: inside a branch
	// guarded by x.has(FaultY), or the rest of a condition x.has(FaultY) && …. A clean card
	// cannot tell such a mutant apart, so it is scored apart.
	FaultOnly bool `json:"fault_only,omitempty"`
}

// isFaultGuard reports whether e is true only on a faulty card: x.has(FaultY), or a
// conjunction that begins with one.
func isFaultGuard(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return isFaultGuard(e.X)
	case *ast.BinaryExpr:
		return e.Op == token.LAND && (isFaultGuard(e.X) || isFaultGuard(e.Y))
	case *ast.CallExpr:
		sel, ok := e.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "has" || len(e.Args) != 1 {
			return false
		}
		id, ok := e.Args[0].(*ast.Ident)
		return ok && strings.HasPrefix(id.Name, "Fault")
	}
	return false
}

// faultRanges returns the source ranges of body that only a faulty card executes.
func faultRanges(body ast.Node) [][2]token.Pos {
	var r [][2]token.Pos
	add := func(n ast.Node) { r = append(r, [2]token.Pos{n.Pos(), n.End()}) }
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			if isFaultGuard(n.Cond) {
				add(n.Body)
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				if isFaultGuard(e) {
					for _, st := range n.Body {
						add(st)
					}
					break
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND && isFaultGuard(n.X) {
				add(n.Y)
			}
		}
		return true
	})
	return r
}

// faultOnlyFuncs are called only on a faulty card: the mute fault (muted, Abort), the timing
// leak (spin), the counter-reset faults (resetCounters).
var faultOnlyFuncs = map[string]bool{"Card.muted": true, "spin": true, "Card.resetCounters": true, "Card.Abort": true}

// Instrument returns src with every mutation site guarded by active.On(id), ids from first
// on, and the sites. Sites whose IDs are in skip are left out (they did not compile).
func Instrument(file string, src []byte, first int, skip map[int]bool) ([]byte, []Site, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, err
	}
	m := &mutator{fset: fset, file: file, next: first, skip: skip, seen: map[string]int{}}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		m.fn = fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) > 0 {
			m.fn = recvName(fd.Recv.List[0].Type) + "." + m.fn
		}
		m.faults = faultRanges(fd.Body)
		m.orig = map[ast.Node]origNode{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			if n != nil {
				o := origNode{pos: n.Pos(), end: n.End(), text: m.render(n)}
				if b, ok := n.(*ast.BinaryExpr); ok {
					o.x, o.y = m.render(b.X), m.render(b.Y)
				}
				m.orig[n] = o
			}
			return true
		})
		m.faultFn = faultOnlyFuncs[m.fn]
		fd.Body = astutil.Apply(fd.Body, nil, m.post).(*ast.BlockStmt)
	}
	if m.used {
		astutil.AddNamedImport(fset, f, "srcmutactive", ActivePkg)
	}
	var b bytes.Buffer
	if err := (&printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}).Fprint(&b, fset, f); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), m.sites, nil
}

func recvName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	case *ast.IndexExpr:
		return recvName(t.X)
	}
	return "?"
}

type mutator struct {
	fset  *token.FileSet
	file  string
	fn    string
	next  int
	skip  map[int]bool
	seen  map[string]int
	sites []Site
	used  bool
	// faults are the current function's fault-only ranges; faultFn marks a fault-only function.
	faults  [][2]token.Pos
	faultFn bool
	// orig holds each node's position and source text from before any replacement.
	orig map[ast.Node]origNode
}

type origNode struct {
	pos, end token.Pos
	text     string
	x, y     string // a binary expression's operands
}

// site records a mutation at n and returns its ID, or -1 when it is skipped.
func (m *mutator) site(n ast.Node, kind, from, to string) int {
	id := m.next
	m.next++
	base := fmt.Sprintf("%s|%s|%s|%s→%s", m.file, m.fn, kind, from, to)
	m.seen[base]++
	if m.skip[id] {
		return -1
	}
	m.used = true
	o := m.orig[n]
	faultOnly := m.faultFn
	for _, r := range m.faults {
		faultOnly = faultOnly || (o.pos >= r[0] && o.end <= r[1])
	}
	m.sites = append(m.sites, Site{ID: id, File: m.file, Line: m.fset.Position(o.pos).Line, Func: m.fn, Kind: kind,
		From: from, To: to, Key: fmt.Sprintf("%s|%d", base, m.seen[base]), FaultOnly: faultOnly})
	return id
}

// text is n's source as it was before any replacement (for nodes made by a mutation, printed
// from their parts).
func (m *mutator) text(n ast.Node) string {
	if o, ok := m.orig[n]; ok {
		return o.text
	}
	switch n := n.(type) {
	case *ast.BinaryExpr:
		return m.text(n.X) + " " + n.Op.String() + " " + m.text(n.Y)
	case *ast.IncDecStmt:
		return m.text(n.X) + n.Tok.String()
	}
	return m.render(n)
}

func (m *mutator) render(n ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, token.NewFileSet(), n)
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(s) > 80 {
		s = s[:77] + "…"
	}
	return s
}

var (
	boundary = map[token.Token]token.Token{token.LSS: token.LEQ, token.LEQ: token.LSS, token.GTR: token.GEQ, token.GEQ: token.GTR}
	negate   = map[token.Token]token.Token{token.EQL: token.NEQ, token.NEQ: token.EQL, token.LSS: token.GEQ, token.GEQ: token.LSS, token.GTR: token.LEQ, token.LEQ: token.GTR}
	logic    = map[token.Token]token.Token{token.LAND: token.LOR, token.LOR: token.LAND}
	arith    = map[token.Token]token.Token{token.ADD: token.SUB, token.SUB: token.ADD}
)

// on is the call srcmutactive.On(id).
func on(id int) ast.Expr {
	return &ast.CallExpr{Fun: &ast.SelectorExpr{X: ast.NewIdent("srcmutactive"), Sel: ast.NewIdent("On")},
		Args: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(id)}}}
}

// choose is func() bool { if On(a) { return alt_a }; …; return orig }() for boolean
// expressions, evaluating only the branch taken.
func choose(orig ast.Expr, alts []ast.Expr, ids []int) ast.Expr {
	var body []ast.Stmt
	for i, alt := range alts {
		if ids[i] < 0 {
			continue
		}
		body = append(body, &ast.IfStmt{Cond: on(ids[i]), Body: &ast.BlockStmt{List: []ast.Stmt{&ast.ReturnStmt{Results: []ast.Expr{alt}}}}})
	}
	if len(body) == 0 {
		return orig
	}
	body = append(body, &ast.ReturnStmt{Results: []ast.Expr{orig}})
	return &ast.CallExpr{Fun: &ast.FuncLit{
		Type: &ast.FuncType{Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("bool")}}}},
		Body: &ast.BlockStmt{List: body}}}
}

// pure reports whether e has no calls other than len and cap: evaluating it twice is harmless.
func pure(e ast.Expr) bool {
	ok := true
	ast.Inspect(e, func(n ast.Node) bool {
		if c, is := n.(*ast.CallExpr); is {
			if id, is := c.Fun.(*ast.Ident); !is || (id.Name != "len" && id.Name != "cap") {
				ok = false
			}
		}
		return ok
	})
	return ok
}

func intLit(e ast.Expr) (*ast.BasicLit, int64, bool) {
	l, ok := e.(*ast.BasicLit)
	if !ok || l.Kind != token.INT {
		return nil, 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(l.Value, "_", ""), 0, 64)
	return l, v, err == nil
}

func (m *mutator) post(c *astutil.Cursor) bool {
	if _, inSelect := c.Parent().(*ast.CommClause); inSelect && c.Name() == "Comm" {
		return true // a select case's communication cannot be guarded
	}
	switch n := c.Node().(type) {
	case *ast.BinaryExpr:
		var alts []ast.Expr
		var ids []int
		o := m.orig[n]
		add := func(kind string, alt ast.Expr, to string) {
			ids = append(ids, m.site(n, kind, o.text, to))
			alts = append(alts, alt)
		}
		if op, ok := boundary[n.Op]; ok {
			add("boundary", &ast.BinaryExpr{X: n.X, Op: op, Y: n.Y}, o.x+" "+op.String()+" "+o.y)
		}
		if op, ok := negate[n.Op]; ok {
			add("negate", &ast.BinaryExpr{X: n.X, Op: op, Y: n.Y}, o.x+" "+op.String()+" "+o.y)
			for _, side := range []int{0, 1} {
				e := n.X
				if side == 1 {
					e = n.Y
				}
				if l, v, ok := intLit(e); ok {
					nl := &ast.BasicLit{Kind: token.INT, Value: strconv.FormatInt(v+1, 10), ValuePos: l.ValuePos}
					alt, to := &ast.BinaryExpr{X: n.X, Op: n.Op, Y: nl}, o.x+" "+n.Op.String()+" "+nl.Value
					if side == 0 {
						alt, to = &ast.BinaryExpr{X: nl, Op: n.Op, Y: n.Y}, nl.Value+" "+n.Op.String()+" "+o.y
					}
					add("const", alt, to)
				}
			}
		}
		if op, ok := logic[n.Op]; ok {
			add("logic", &ast.BinaryExpr{X: n.X, Op: op, Y: n.Y}, o.x+" "+op.String()+" "+o.y)
		}
		if len(alts) > 0 {
			c.Replace(choose(n, alts, ids))
			return true
		}
		if op, ok := arith[n.Op]; ok && pure(n.X) && pure(n.Y) {
			alt := &ast.BinaryExpr{X: n.X, Op: op, Y: n.Y}
			if id := m.site(n, "arith", o.text, o.x+" "+op.String()+" "+o.y); id >= 0 {
				// srcmutactive.Pick(id, orig, alt): both sides are call-free, so both may be evaluated.
				c.Replace(&ast.CallExpr{Fun: &ast.SelectorExpr{X: ast.NewIdent("srcmutactive"), Sel: ast.NewIdent("Pick")},
					Args: []ast.Expr{&ast.BasicLit{Kind: token.INT, Value: strconv.Itoa(id)}, n, alt}})
			}
		}
	case *ast.UnaryExpr:
		if n.Op == token.NOT {
			if id := m.site(n, "not", m.text(n), strings.TrimPrefix(m.text(n), "!")); id >= 0 {
				c.Replace(choose(n, []ast.Expr{n.X}, []int{id}))
			}
		}
	case *ast.IncDecStmt:
		if _, inFor := c.Parent().(*ast.ForStmt); inFor {
			return true // a for loop's post statement cannot be an if
		}
		op := token.DEC
		if n.Tok == token.DEC {
			op = token.INC
		}
		alt := &ast.IncDecStmt{X: n.X, Tok: op}
		id := m.site(n, "incdec", m.text(n), m.text(alt))
		rid := m.site(n, "remove", m.text(n), "nothing")
		m.guard(c, n, []ast.Stmt{alt}, id, rid)
	case *ast.AssignStmt:
		if n.Tok == token.DEFINE {
			return true
		}
		if _, inFor := c.Parent().(*ast.ForStmt); inFor {
			return true
		}
		if _, inIf := c.Parent().(*ast.IfStmt); inIf && c.Name() == "Init" {
			return true
		}
		if _, inSw := c.Parent().(*ast.SwitchStmt); inSw && c.Name() == "Init" {
			return true
		}
		m.guard(c, n, nil, -1, m.site(n, "remove", m.text(n), "nothing"))
	case *ast.ExprStmt:
		if _, isCall := n.X.(*ast.CallExpr); isCall {
			m.guard(c, n, nil, -1, m.site(n, "remove", m.text(n), "nothing"))
		}
	}
	return true
}

// guard replaces statement n by: if On(alt) { altStmts } else if !On(rm) { n }.
func (m *mutator) guard(c *astutil.Cursor, n ast.Stmt, altStmts []ast.Stmt, alt, rm int) {
	if alt < 0 && rm < 0 {
		return
	}
	var s ast.Stmt = &ast.BlockStmt{List: []ast.Stmt{n}}
	if rm >= 0 {
		s = &ast.IfStmt{Cond: &ast.UnaryExpr{Op: token.NOT, X: on(rm)}, Body: &ast.BlockStmt{List: []ast.Stmt{n}}}
	}
	if alt >= 0 {
		s = &ast.IfStmt{Cond: on(alt), Body: &ast.BlockStmt{List: altStmts}, Else: s}
	}
	c.Replace(s)
}
