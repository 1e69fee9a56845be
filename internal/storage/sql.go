package storage

import (
	"fmt"
	"strings"
	"unsafe"

	"zombiezen.com/go/sqlite"
)

// Value is one SQL value: nil, int64, float64, string or []byte. Exec also
// accepts int and bool bindings (bound as integers).
type Value = any

// workerd's SQLite limits (SqliteDatabase::setupSecurity), except
// SQLITE_LIMIT_LENGTH which follows Cloudflare's documented 2 MB row limit.
const (
	// MaxStatementLength is the longest SQL text Exec accepts, in bytes.
	MaxStatementLength = 100_000
	// MaxBindings is the most bound parameters one statement may have.
	MaxBindings = 100
)

func setLimits(c *sqlite.Conn) {
	c.Limit(sqlite.LimitLength, 2_000_000)
	c.Limit(sqlite.LimitSQLLength, MaxStatementLength)
	c.Limit(sqlite.LimitColumn, 100)
	c.Limit(sqlite.LimitExprDepth, 20)
	c.Limit(sqlite.LimitCompoundSelect, 3)
	c.Limit(sqlite.LimitVDBEOp, 25000)
	c.Limit(sqlite.LimitFunctionArg, 32)
	c.Limit(sqlite.LimitAttached, 0)
	c.Limit(sqlite.LimitLikePatternLength, 50)
	c.Limit(sqlite.LimitVariableNumber, MaxBindings)
	c.Limit(sqlite.LimitTriggerDepth, 10)
	c.Limit(sqlite.LimitWorkerThreads, 0)
}

// Cursor is the result of Exec: the column names and rows of the last
// statement, and the row counts of all of them. Rows are read eagerly, so a
// Cursor stays valid after later calls on its DB.
type Cursor struct {
	columns     []string
	rows        [][]Value
	pos         int
	rowsRead    int64
	rowsWritten int64
}

// Columns returns the column names of the last statement.
func (c *Cursor) Columns() []string { return c.columns }

// Next returns the next row, or false when there is none.
func (c *Cursor) Next() ([]Value, bool) {
	if c.pos >= len(c.rows) {
		return nil, false
	}
	r := c.rows[c.pos]
	c.pos++
	return r, true
}

// Rows returns the rows Next has not returned yet.
func (c *Cursor) Rows() [][]Value { return c.rows[c.pos:] }

// RowsRead approximates workerd's rowsRead: rows returned plus rows updated
// or deleted, summed over every statement.
func (c *Cursor) RowsRead() int64 { return c.rowsRead }

// RowsWritten is the number of rows inserted, updated or deleted, summed
// over every statement (sqlite3_changes).
func (c *Cursor) RowsWritten() int64 { return c.rowsWritten }

// Exec runs tenant SQL (ctx.storage.sql.exec): one or more statements
// separated by ';', run in order inside the implicit transaction. Only the
// last statement may have parameters, and bindings must match them exactly.
// The Cursor holds the last statement's result. Tenant SQL is checked by an
// authorizer that mirrors workerd's: no _cf_ tables, no ATTACH, no raw
// transactions, only allow-listed PRAGMAs and functions.
//
// Errors that tenant code should see are *Error, with SQLite's message in
// workerd's format (`near "SELEC": syntax error at offset 0: SQLITE_ERROR`).
func (db *DB) Exec(query string, bindings []Value) (*Cursor, error) {
	if err := db.Begin(); err != nil {
		return nil, err
	}
	if len(query) > MaxStatementLength {
		// What sqlite3_prepare says when given the length, as workerd does
		// (its error offset is left at 0).
		return nil, jsError("statement too long at offset 0: SQLITE_TOOBIG")
	}
	db.auth.trusted = false
	defer func() { db.auth.trusted = true }()

	cur := new(Cursor)
	if cs := db.stmts.get(query); cs != nil {
		err := db.runStmt(cs.stmt, true, bindings, cur, cs.write)
		cs.stmt.Reset()
		cs.stmt.ClearBindings()
		if err != nil {
			return nil, err
		}
		return cur, nil
	}
	rest := query
	first := true
	for {
		if blankSQL(rest) {
			if first {
				return nil, jsError("SQL code did not contain a statement.")
			}
			return cur, nil
		}
		db.auth.reset()
		stmt, trailing, err := db.conn.PrepareTransient(rest)
		if err != nil {
			return nil, db.auth.explain(err)
		}
		first = false
		text := rest[:len(rest)-trailing]
		tail := rest[len(rest)-trailing:]
		last := blankSQL(tail)
		schema, write := db.auth.schema, db.auth.write
		err = db.runStmt(stmt, last, bindings, cur, write)
		if len(rest) == len(query) && last && !schema && err == nil {
			// A single statement: keep it prepared for the next Exec of the
			// same text, as workerd's statement cache does.
			stmt.Reset()
			stmt.ClearBindings()
			db.stmts.put(query, &cachedStmt{stmt: stmt, write: write})
		} else {
			stmt.Finalize()
		}
		if err != nil {
			return nil, err
		}
		if schema {
			db.ddl = append(db.ddl, strings.TrimSpace(text))
		}
		if last {
			return cur, nil
		}
		rest = tail
	}
}

func (db *DB) runStmt(stmt *sqlite.Stmt, last bool, bindings []Value, cur *Cursor, write bool) error {
	n := stmt.BindParamCount()
	if !last && n > 0 {
		return jsError("When executing multiple SQL statements in a single call, only the last statement can have parameters.")
	}
	if last {
		if n != len(bindings) {
			return jsError("Wrong number of parameter bindings for SQL query.")
		}
		for i, v := range bindings {
			if err := bind(stmt, i+1, v); err != nil {
				return err
			}
		}
		cur.columns = make([]string, stmt.ColumnCount())
		for i := range cur.columns {
			cur.columns[i] = columnName(stmt, i)
		}
	}
	for {
		db.auth.stepping = true
		row, err := stmt.Step()
		db.auth.stepping = false
		if err != nil {
			return db.auth.explain(err)
		}
		if !row {
			break
		}
		cur.rowsRead++
		if last {
			cur.rows = append(cur.rows, readRow(stmt))
		}
	}
	if write {
		ch := int64(db.conn.Changes())
		cur.rowsWritten += ch
		if db.auth.readWrite {
			cur.rowsRead += ch
		}
	}
	return nil
}

func bind(stmt *sqlite.Stmt, i int, v Value) error {
	switch v := v.(type) {
	case nil:
		stmt.BindNull(i)
	case int64:
		stmt.BindInt64(i, v)
	case int:
		stmt.BindInt64(i, int64(v))
	case bool:
		stmt.BindBool(i, v)
	case float64:
		stmt.BindFloat(i, v)
	case string:
		stmt.BindText(i, v)
	case []byte:
		if v == nil {
			v = []byte{}
		}
		stmt.BindBytes(i, v)
	default:
		return &Error{Name: "TypeError", Message: fmt.Sprintf("Unsupported type for SQL binding: %T", v)}
	}
	return nil
}

func readRow(stmt *sqlite.Stmt) []Value {
	row := make([]Value, stmt.ColumnCount())
	for i := range row {
		switch stmt.ColumnType(i) {
		case sqlite.TypeInteger:
			row[i] = stmt.ColumnInt64(i)
		case sqlite.TypeFloat:
			row[i] = stmt.ColumnFloat(i)
		case sqlite.TypeText:
			row[i] = stmt.ColumnText(i)
		case sqlite.TypeBlob:
			b := make([]byte, stmt.ColumnLen(i))
			stmt.ColumnBytes(i, b)
			row[i] = b
		default:
			row[i] = nil
		}
	}
	return row
}

// blankSQL reports whether s holds nothing but white space, semicolons and
// comments, i.e. whether the statement before it was the last one.
func blankSQL(s string) bool {
	for len(s) > 0 {
		switch {
		case s[0] == ' ' || s[0] == '\n' || s[0] == '\t' || s[0] == '\r' || s[0] == '\f' || s[0] == ';':
			s = s[1:]
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return true
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s[2:], "*/")
			if i < 0 {
				return true
			}
			s = s[i+4:]
		default:
			return false
		}
	}
	return true
}

// authorizer mirrors workerd's SqliteDatabase::isAuthorized with
// SqlStorage as the regulator. Internal statements run trusted.
type authorizer struct {
	trusted  bool
	stepping bool // inside Step of tenant SQL, not in prepare

	// Per statement, reset before each prepare.
	schema    bool   // the statement changes the schema
	write     bool   // the statement inserts, updates or deletes
	readWrite bool   // ... and reads the rows it changes (UPDATE, DELETE)
	denied    string // why the last denial happened, if workerd says more than SQLITE_AUTH
}

func (a *authorizer) reset() {
	a.schema, a.write, a.readWrite, a.denied = false, false, false, ""
}

// explain converts a SQLite error, replacing "not authorized" by workerd's
// own message where it has one.
func (a *authorizer) explain(err error) error {
	if a.denied != "" && sqlite.ErrCode(err).ToPrimary() == sqlite.ResultAuth {
		return jsError(a.denied)
	}
	return sqlError(err)
}

// actionMirror has the layout of sqlite.Action, whose function-name
// argument has no accessor. The size check below breaks the build if
// zombiezen changes the layout.
type actionMirror struct {
	op                            sqlite.OpType
	arg1, arg2, database, trigger string
}

var _ [unsafe.Sizeof(sqlite.Action{}) - unsafe.Sizeof(actionMirror{})]struct{}
var _ [unsafe.Sizeof(actionMirror{}) - unsafe.Sizeof(sqlite.Action{})]struct{}

func actionArgs(a *sqlite.Action) *actionMirror { return (*actionMirror)(unsafe.Pointer(a)) }

// allowedName reports whether tenant SQL may touch name: not one of the
// internal "_cf_" tables, in any letter case (SQLite names are case-insensitive).
func allowedName(name string) bool {
	return len(name) < 4 || !strings.EqualFold(name[:4], "_cf_")
}

func (a *authorizer) Authorize(act sqlite.Action) sqlite.AuthResult {
	m := actionArgs(&act)
	switch act.Type() {
	case sqlite.OpCreateTable, sqlite.OpDropTable, sqlite.OpCreateIndex, sqlite.OpDropIndex,
		sqlite.OpCreateView, sqlite.OpDropView, sqlite.OpCreateTrigger, sqlite.OpDropTrigger,
		sqlite.OpAlterTable, sqlite.OpCreateVTable, sqlite.OpDropVTable:
		a.schema = true
	case sqlite.OpInsert:
		if m.trigger == "" {
			a.write = true
		}
	case sqlite.OpUpdate, sqlite.OpDelete:
		if m.trigger == "" {
			a.write, a.readWrite = true, true
		}
	}
	if a.allow(act.Type(), m) {
		return sqlite.AuthResultOK
	}
	return sqlite.AuthResultDeny
}

func (a *authorizer) allow(op sqlite.OpType, m *actionMirror) bool {
	switch m.database {
	case "", "main":
	case "temp":
		if a.trusted {
			return true
		}
		switch op {
		case sqlite.OpRead, sqlite.OpUpdate:
			return allowedName(m.arg1)
		}
		return false
	default:
		// One file per object: no other databases, ever.
		return false
	}
	if a.trusted {
		return op != sqlite.OpAttach && op != sqlite.OpDetach
	}
	switch op {
	case sqlite.OpSelect, sqlite.OpRecursive:
		return true
	case sqlite.OpCreateTable, sqlite.OpDelete, sqlite.OpDropTable, sqlite.OpInsert,
		sqlite.OpAnalyze, sqlite.OpCreateView, sqlite.OpDropView, sqlite.OpReindex,
		sqlite.OpRead, sqlite.OpUpdate:
		return allowedName(m.arg1)
	case sqlite.OpAlterTable:
		return allowedName(m.arg2)
	case sqlite.OpCreateIndex, sqlite.OpDropIndex, sqlite.OpCreateTrigger, sqlite.OpDropTrigger:
		return allowedName(m.arg1) && allowedName(m.arg2)
	case sqlite.OpTransaction, sqlite.OpSavepoint:
		a.denied = msgTransactions
		return false
	case sqlite.OpPragma:
		if a.stepping && m.arg1 == "table_xinfo" && allowedName(m.arg2) {
			// The session extension reads the schema of a table the first
			// time a statement changes it, while the statement runs. This
			// also lets tenant SQL read pragma_table_xinfo of its own tables,
			// which workerd refuses.
			return true
		}
		return allowPragma(m.arg1, m.arg2)
	case sqlite.OpFunction:
		return allowedFunctions[m.arg2]
	case sqlite.OpCreateVTable, sqlite.OpDropVTable:
		return m.arg2 == "fts5"
	default:
		// ATTACH, DETACH, temp objects, COPY and anything new.
		return false
	}
}

type pragmaSig int

const (
	pragmaNoArg pragmaSig = iota
	pragmaBool
	pragmaObject
)

var allowedPragmas = map[string]pragmaSig{
	"data_version":              pragmaNoArg,
	"case_sensitive_like":       pragmaBool,
	"foreign_keys":              pragmaBool,
	"defer_foreign_keys":        pragmaBool,
	"ignore_check_constraints":  pragmaBool,
	"recursive_triggers":        pragmaBool,
	"reverse_unordered_selects": pragmaBool,
	"foreign_key_check":         pragmaObject,
	"foreign_key_list":          pragmaObject,
	"index_info":                pragmaObject,
	"index_list":                pragmaObject,
	"index_xinfo":               pragmaObject,
}

func allowPragma(name, arg string) bool {
	switch name {
	case "table_list":
		return true
	case "table_info":
		return arg != "" && allowedName(arg)
	}
	sig, ok := allowedPragmas[name]
	if !ok {
		return false
	}
	switch sig {
	case pragmaNoArg:
		return arg == ""
	case pragmaBool:
		if arg == "" {
			return true
		}
		if len(arg) >= 2 && (arg[0] == '\'' || arg[0] == '"') && arg[len(arg)-1] == arg[0] {
			arg = arg[1 : len(arg)-1]
		}
		// workerd compares prefixes, case-insensitively.
		for _, p := range []string{"true", "false", "yes", "no", "on", "off", "1", "0"} {
			if len(arg) >= len(p) && strings.EqualFold(arg[:len(p)], p) {
				return true
			}
		}
		return false
	default:
		return arg != "" && allowedName(arg)
	}
}

var allowedFunctions = func() map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Fields(`
		abs changes char coalesce concat concat_ws format glob hex ifnull iif instr
		last_insert_rowid length like likelihood likely load_extension lower ltrim
		max_scalar min_scalar nullif octet_length printf quote random randomblob
		replace round rtrim sign soundex substr substring total_changes trim typeof
		unhex unicode unlikely upper zeroblob
		date time datetime julianday unixepoch strftime timediff current_date
		current_time current_timestamp
		avg count group_concat string_agg max min sum total
		row_number rank dense_rank percent_rank cume_dist ntile lag lead
		first_value last_value nth_value
		acos acosh asin asinh atan atan2 atanh ceil ceiling cos cosh degrees exp
		floor ln log log10 log2 mod pi pow power radians sin sinh sqrt tan tanh trunc
		json json_array json_array_length json_extract -> ->> json_insert
		json_object json_patch json_remove json_replace json_set json_type
		json_valid json_quote json_group_array json_group_object json_each
		json_tree json_error_position json_pretty
		jsonb jsonb_array jsonb_extract jsonb_insert jsonb_object jsonb_patch
		jsonb_remove jsonb_replace jsonb_set jsonb_group_array jsonb_group_object
		match highlight bm25 snippet
		sqlite_rename_column sqlite_rename_table sqlite_rename_test
		sqlite_drop_column sqlite_rename_quotefix
	`) {
		m[f] = true
	}
	return m
}()

// stmtCacheMaxSize bounds the SQL text held by a DB's statement cache, as
// workerd's SQL_STATEMENT_CACHE_MAX_SIZE does.
const stmtCacheMaxSize = 1 << 20

type cachedStmt struct {
	query      string
	stmt       *sqlite.Stmt
	write      bool
	prev, next *cachedStmt // LRU list, most recent at head.next
}

// stmtCache is a small LRU of prepared tenant statements. Owned by its DB.
type stmtCache struct {
	m    map[string]*cachedStmt
	head cachedStmt // sentinel
	size int
}

func (c *stmtCache) get(q string) *cachedStmt {
	e := c.m[q]
	if e == nil {
		return nil
	}
	c.unlink(e)
	c.pushFront(e)
	return e
}

func (c *stmtCache) put(q string, e *cachedStmt) {
	if c.m == nil {
		c.m = map[string]*cachedStmt{}
		c.head.prev, c.head.next = &c.head, &c.head
	}
	if old := c.m[q]; old != nil {
		c.remove(old)
	}
	e.query = q
	c.m[q] = e
	c.pushFront(e)
	c.size += len(q)
	for c.size > stmtCacheMaxSize && c.head.prev != &c.head {
		c.remove(c.head.prev)
	}
}

func (c *stmtCache) remove(e *cachedStmt) {
	c.unlink(e)
	delete(c.m, e.query)
	c.size -= len(e.query)
	e.stmt.Finalize()
}

func (c *stmtCache) clear() {
	for _, e := range c.m {
		e.stmt.Finalize()
	}
	c.m = nil
	c.size = 0
}

func (c *stmtCache) unlink(e *cachedStmt) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (c *stmtCache) pushFront(e *cachedStmt) {
	e.prev, e.next = &c.head, c.head.next
	c.head.next.prev = e
	c.head.next = e
}
