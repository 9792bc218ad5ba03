// The grid's browser side. The server sends a compact model (GridWire: the run and row tables once,
// a letter per cell, a run of equal cells as one letter and its count) and then only patches of the
// cells that changed; this module draws the rows in view from it, owns the keyboard and the
// selection, and asks the server for a cell's tooltip only when it is hovered. One delegated listener
// per grid, so cells carry no handlers.
//
// The prerendered page embeds the model in a <script type="application/json" data-grid-model> and
// loads this module, which draws it before the circuit starts. The circuit's first render replaces
// the page; the new grid body names the same model id, so it is drawn again from memory at once and
// the circuit does not send it a second time.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CODE_OF = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) {
    CODE_OF[ALPHABET.charCodeAt(i)] = i;
}
const STATE_MASK = 0x0f;
const NOTE = 0x10;
const OVERSCAN = 8;

const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

// Shift+C, shift+S and shift+F, as in Airflow: clear, mark success, mark failed.
const actions = { c: 'Clear', s: 'MarkSuccess', f: 'MarkFailed' };

// Icons as the rest of the page draws them: classes of the app's icon stylesheet (AppIcons).
const TOGGLE_ICON = 'mud-icon-root mud-icon-size-small app-icon';
const EXPANDED_ICON = 'filled-expand-more';
const COLLAPSED_ICON = 'filled-chevron-right';

/** Models found in the prerendered page, by id. */
const prerendered = new Map();

/** The drawing of each grid body element. */
const grids = new WeakMap();

/** Rows × runs cell codes from their letters: a letter followed by a number stands for that many of it. */
function decodeCells(text, length) {
    const codes = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < text.length;) {
        const code = CODE_OF[text.charCodeAt(i++)];
        let count = 0;
        for (let digit; i < text.length && (digit = text.charCodeAt(i) - 48) >= 0 && digit <= 9; i++) {
            count = count * 10 + digit;
        }
        const end = Math.min(at + Math.max(count, 1), length);
        codes.fill(code, at, end);
        at = end;
    }
    return codes;
}

function decode(model) {
    const codes = decodeCells(model.cells, model.rows.length * model.runs.length);
    // Each id is written as the length of the start it shares with the id before, and the rest.
    let before = '';
    const rows = model.rows.map(([shared, rest, depth, size, expanded]) => {
        const id = before = before.slice(0, shared) + rest;
        return { id, depth, group: size !== undefined, size, expanded: expanded === 1, label: size === undefined ? id : id.slice(id.lastIndexOf('.') + 1) };
    });
    return {
        id: model.id, states: model.states, runs: model.runs, rows, codes, seq: 0,
        rowIndex: new Map(rows.map((r, i) => [r.id, i])), runIndex: new Map(model.runs.map((r, i) => [r, i])),
    };
}

class GridDrawing {
    constructor(root, body) {
        this.root = root;
        this.body = body;
        this.model = null;
        this.rows = new Map();   // row index → row element in the DOM
        this.pool = [];          // row elements scrolled out of view, for the rows scrolling in during one draw
        this.selected = null;    // { rowId, runId }
        this.anchor = null;      // the other corner of a rectangle, or null
        this.epoch = -1;         // of the last selection the server set
        this.dotnet = null;
        this.syncing = false;
        this.pending = null;     // a sync asked for while one ran: true to force it, 'check' to see whether it is still needed
        this.activeCell = null;
        grids.set(body, this);
        this.watch = new MutationObserver(records => this.onServerChange(records));
        this.watch.observe(body, { attributes: true, attributeOldValue: true, attributeFilter: ['data-model', 'data-patch', 'data-selection'] });
        this.applySelection(body.dataset.selection);
    }

    setModel(model) {
        this.model = decode(model);
        this.model.rowHeight = parseFloat(getComputedStyle(this.root).getPropertyValue('--grid-row-height')) || 28;
        for (const element of this.rows.values()) {
            this.pool.push(element);
        }
        this.rows.clear();
        this.body.style.height = `${this.model.rows.length * this.model.rowHeight}px`;
        this.draw();
    }

    /**
     * Draws the rows in view (and a few more). A row scrolled out of view lends its element to a row
     * scrolling in: the elements stay in the page and only their attributes change, which costs the
     * browser a small fraction of styling new elements against the page's stylesheets.
     */
    draw() {
        const model = this.model;
        if (!model) {
            return;
        }
        const height = model.rowHeight;
        const top = this.root.scrollTop - this.body.offsetTop;
        const first = Math.max(0, Math.floor(top / height) - OVERSCAN);
        const last = Math.min(model.rows.length - 1, Math.ceil((top + this.root.clientHeight) / height) + OVERSCAN);
        for (const [index, element] of this.rows) {
            if (index < first || index > last) {
                this.rows.delete(index);
                this.pool.push(element);
            }
        }
        for (let index = first; index <= last; index++) {
            if (!this.rows.has(index)) {
                let element = this.pool.pop();
                if (!element) {
                    element = document.createElement('div');
                    this.body.appendChild(element);
                }
                this.fillRow(element, index);
                this.rows.set(index, element);
            }
        }
        // Left over only when fewer rows are in view than before (the end of the grid, a smaller model): gone, not hidden with stale ids.
        for (const element of this.pool) {
            element.remove();
        }
        this.pool.length = 0;
    }

    fillRow(element, index) {
        const model = this.model;
        const row = model.rows[index];
        element._index = index;
        element.setAttribute('role', 'row');
        element.setAttribute('aria-rowindex', index + 2);
        element.dataset.rowId = row.id;
        if (row.group) {
            element.dataset.groupId = row.id;
        } else {
            delete element.dataset.groupId;
        }
        element.style.top = `${index * model.rowHeight}px`;

        let label = element.firstElementChild;
        if (!label) {
            label = document.createElement('div');
            label.className = 'grid-label';
            label.setAttribute('role', 'rowheader');
            element.appendChild(label);
        }
        const indent = `${0.5 + row.depth * 1.1}rem`;
        if (label.style.paddingLeft !== indent) {
            label.style.paddingLeft = indent;
        }
        this.fillLabel(label, row);

        const runs = model.runs.length;
        while (element.childElementCount - 1 > runs) {
            element.lastElementChild.remove();
        }
        while (element.childElementCount - 1 < runs) {
            const cell = document.createElement('div');
            cell.setAttribute('role', 'gridcell');
            cell.dataset.cell = '';
            cell.appendChild(document.createElement('span'));
            element.appendChild(cell);
        }
        // Only what differs is written: a fling rewrites thousands of cells a frame, and every write costs the browser.
        const [mine, other] = row.group ? ['groupId', 'taskId'] : ['taskId', 'groupId'];
        let cell = label.nextElementSibling;
        for (let column = 0; column < runs; column++, cell = cell.nextElementSibling) {
            // A reused element's tooltip, label and place as the active cell were another row's.
            if (cell === this.activeCell) {
                this.deactivate();
            }
            cell.removeAttribute('title');
            cell.removeAttribute('aria-label');
            cell._column = column;
            if (cell.dataset.runId !== model.runs[column]) {
                cell.dataset.runId = model.runs[column];
            }
            cell.dataset[mine] = row.id;
            if (other in cell.dataset) {
                delete cell.dataset[other];
            }
        }
        this.paintRow(element);
    }

    /** The task's name, or the group's toggle, name and size; changed in place when the element showed the same kind of row. */
    fillLabel(label, row) {
        if (label._group !== row.group) {
            label.replaceChildren(...this.labelContent(row));
            label._group = row.group;
        }
        const name = row.group ? label.children[1] : label.firstElementChild;
        name.textContent = row.label;
        if (!row.group) {
            name.title = row.label;
            return;
        }
        name.title = `Task group ${row.id}: ${row.size} tasks`;
        const toggle = label.firstElementChild;
        toggle.dataset.groupToggle = row.id;
        toggle.setAttribute('aria-expanded', row.expanded ? 'true' : 'false');
        toggle.setAttribute('aria-label', `${row.expanded ? 'Collapse' : 'Expand'} group ${row.id}`);
        toggle.firstElementChild.className = `${TOGGLE_ICON} ${row.expanded ? EXPANDED_ICON : COLLAPSED_ICON}`;
        label.lastElementChild.textContent = row.size;
    }

    labelContent(row) {
        const name = document.createElement('span');
        if (!row.group) {
            name.className = 'task-name';
            return [name];
        }
        name.className = 'group-name';
        const toggle = document.createElement('button');
        toggle.type = 'button';
        toggle.className = 'group-toggle';
        const icon = document.createElement('span');
        icon.setAttribute('aria-hidden', 'true');
        toggle.appendChild(icon);
        const size = document.createElement('span');
        size.className = 'group-size';
        return [toggle, name, size];
    }

    /** The selected cell and rectangle as row and column indexes, or null. */
    selection() {
        const model = this.model;
        const at = cell => {
            const row = cell && model.rowIndex.get(cell.rowId);
            const column = cell && model.runIndex.get(cell.runId);
            return row === undefined || column === undefined ? null : { row, column };
        };
        const end = at(this.selected);
        if (!end) {
            return null;
        }
        const start = at(this.anchor) ?? end;
        return {
            row: end.row, column: end.column, rectangle: this.anchor !== null,
            top: Math.min(start.row, end.row), bottom: Math.max(start.row, end.row),
            left: Math.min(start.column, end.column), right: Math.max(start.column, end.column),
        };
    }

    paintRow(element, selection = this.selection()) {
        const model = this.model;
        const index = element._index;
        const row = model.rows[index];
        const runs = model.runs.length;
        const selectedRow = selection !== null && selection.row === index;
        element.className = `grid-row${row.group ? ' grid-group-row' : ''}${selectedRow ? ' selected-row' : ''}`;
        const inBand = selection !== null && selection.rectangle && index >= selection.top && index <= selection.bottom;
        for (let cell = element.firstElementChild.nextElementSibling; cell; cell = cell.nextElementSibling) {
            const column = cell._column;
            const value = model.codes[index * runs + column];
            const state = model.states[value & STATE_MASK];
            const note = (value & NOTE) !== 0;
            const selected = selectedRow && selection.column === column;
            const classes = `grid-cell${selected ? ' selected' : ''}${inBand && column >= selection.left && column <= selection.right ? ' in-range' : ''}${note ? ' has-note' : ''}`;
            if (cell.className !== classes) {
                cell.className = classes;
            }
            if (cell.dataset.state !== state || cell._group !== row.group) {
                cell.dataset.state = state;
                cell._group = row.group;
                cell.firstElementChild.className = `cell-badge${row.group ? ' cell-group' : ''} state-${state}`;
                // The tooltip described the state before; the next hover asks again. A label already given follows at once.
                cell.removeAttribute('title');
                if (cell.hasAttribute('aria-label')) {
                    cell.setAttribute('aria-label', this.labelOf(row.id, model.runs[column], state, note));
                }
            }
            if (note) {
                cell.dataset.hasNote = 'true';
            } else {
                delete cell.dataset.hasNote;
            }
            if (selected) {
                this.activate(cell, this.labelOf(row.id, model.runs[column], state, note));
            }
        }
    }

    paintSelection() {
        const selection = this.selection();
        if (this.activeCell && !(selection && this.rows.get(selection.row)?.contains(this.activeCell))) {
            this.deactivate();
        }
        for (const element of this.rows.values()) {
            this.paintRow(element, selection);
        }
    }

    /** What a screen reader says for a cell: given to the selected cell and to a hovered one, not to every cell drawn. */
    labelOf(rowId, runId, state, note) {
        return `${rowId} on ${runId}: ${state}${note ? ', has a note' : ''}`;
    }

    /** The selected cell is the grid's active descendant, so a screen reader announces it as the selection moves. */
    activate(cell, label) {
        if (this.activeCell && this.activeCell !== cell) {
            this.deactivate();
        }
        this.activeCell = cell;
        cell.id = 'grid-active-cell';
        cell.setAttribute('aria-label', label);
        this.root.setAttribute('aria-activedescendant', cell.id);
    }

    deactivate() {
        this.activeCell?.removeAttribute('id');
        this.activeCell = null;
        this.root.removeAttribute('aria-activedescendant');
    }

    /** A patch "{model id}.{sequence}:{column},{row},{codes};..." sets cells of the model it names, in order. */
    applyPatch(patch) {
        const model = this.model;
        const colon = patch.indexOf(':');
        const head = patch.slice(0, colon);
        const dot = head.lastIndexOf('.');
        const sequence = Number(head.slice(dot + 1));
        if (!model || head.slice(0, dot) !== model.id || sequence <= model.seq) {
            return;
        }
        if (sequence !== model.seq + 1) {
            this.sync(true);
            return;
        }
        model.seq = sequence;
        const runs = model.runs.length;
        const touched = new Set();
        for (const segment of patch.slice(colon + 1).split(';')) {
            const [column, row, codes] = segment.split(',');
            for (let i = 0; i < codes.length; i++) {
                model.codes[(Number(row) + i) * runs + Number(column)] = CODE_OF[codes.charCodeAt(i)];
                touched.add(Number(row) + i);
            }
        }
        const selection = this.selection();
        for (const index of touched) {
            const element = this.rows.get(index);
            if (element) {
                this.paintRow(element, selection);
            }
        }
    }

    applySelection(value) {
        if (!value) {
            return;
        }
        const [epoch, rowId, runId, anchorRowId, anchorRunId] = JSON.parse(value);
        if (epoch === this.epoch) {
            return;
        }
        this.epoch = epoch;
        this.selected = rowId ? { rowId, runId } : null;
        this.anchor = anchorRowId ? { rowId: anchorRowId, runId: anchorRunId } : null;
        if (this.model) {
            this.paintSelection();
        }
    }

    onServerChange(records) {
        // Two render batches can land in one task: each record's old value is the value the one before it set.
        for (let i = 0; i < records.length; i++) {
            const record = records[i];
            const later = records.slice(i + 1).find(r => r.attributeName === record.attributeName);
            const value = later ? later.oldValue : this.body.getAttribute(record.attributeName);
            if (record.attributeName === 'data-patch' && value) {
                this.applyPatch(value);
            } else if (record.attributeName === 'data-selection') {
                this.applySelection(value);
            }
        }
        if (this.body.dataset.model !== this.model?.id) {
            this.sync(false);
        }
    }

    /**
     * Tells the server which model this browser holds (none once it patched it: only a model as
     * sent can be vouched for) and draws the model it answers with, if any.
     */
    async sync(force) {
        if (!this.dotnet) {
            return;
        }
        if (this.syncing) {
            this.pending = force || this.pending === true ? true : 'check';
            return;
        }
        this.syncing = true;
        try {
            const held = !force && this.model && this.model.seq === 0 ? this.model.id : null;
            const model = await this.dotnet.invokeMethodAsync('Sync', held);
            if (model) {
                this.setModel(model);
            } else if (this.model) {
                // The server holds what this browser holds, patches that came meanwhile included, and numbers its patches from here.
                this.model.seq = 0;
            }
        } finally {
            this.syncing = false;
        }
        const pending = this.pending;
        this.pending = null;
        if (pending === true) {
            await this.sync(true);
        } else if (pending === 'check' && this.body.dataset.model !== this.model?.id) {
            await this.sync(false);
        }
    }

    cellAt(target) {
        const cell = target.closest('[data-cell]');
        return cell && this.body.contains(cell) ? cell : null;
    }

    select(selected, anchor) {
        this.selected = selected;
        this.anchor = anchor;
        this.paintSelection();
        this.dotnet?.invokeMethodAsync('Select', selected.rowId, selected.runId, anchor?.rowId ?? null, anchor?.runId ?? null);
    }

    /** Arrow keys: the selected cell, or with shift the moving corner of the rectangle, by one cell, scrolled into view. */
    move(columns, rows, extend) {
        const model = this.model;
        if (!model || model.rows.length === 0 || model.runs.length === 0) {
            return;
        }
        const current = this.selection() ?? { row: 0, column: model.runs.length - 1 };
        const row = Math.min(Math.max(current.row + rows, 0), model.rows.length - 1);
        const column = Math.min(Math.max(current.column + columns, 0), model.runs.length - 1);
        const anchor = extend ? this.anchor ?? this.selected ?? { rowId: model.rows[row].id, runId: model.runs[column] } : null;
        this.select({ rowId: model.rows[row].id, runId: model.runs[column] }, anchor);
        scrollIntoView(this.root, row, column, model.rowHeight);
    }

    /** Hovered: its label at once, and its tooltip, asked for once per state the cell shows. */
    async describe(cell) {
        const { runId, state } = cell.dataset;
        const rowId = rowIdOf(cell);
        cell.setAttribute('aria-label', this.labelOf(rowId, runId, state, cell.dataset.hasNote === 'true'));
        if (!this.dotnet || cell.title || cell._describing) {
            return;
        }
        cell._describing = true;
        try {
            const text = await this.dotnet.invokeMethodAsync('Describe', rowId, runId);
            if (text && rowIdOf(cell) === rowId && cell.dataset.runId === runId && cell.dataset.state === state) {
                cell.title = text;
            }
        } finally {
            cell._describing = false;
        }
    }
}

/** The drawing of a grid body, made from the prerendered model when the body names one. */
function drawingOf(body) {
    let drawing = grids.get(body);
    if (!drawing) {
        drawing = new GridDrawing(body.closest('[role=grid]'), body);
        const model = prerendered.get(body.dataset.model);
        if (model) {
            drawing.setModel(model);
        }
    }
    return drawing;
}

// Loaded by the prerendered page: draw its grid now, and the circuit's copy of it the moment it replaces the page.
let adopt = null;
const embedded = document.querySelectorAll('script[data-grid-model]');
if (embedded.length > 0) {
    for (const script of embedded) {
        const model = JSON.parse(script.textContent);
        prerendered.set(model.id, model);
        drawingOf(script.parentElement);
    }
    adopt = new MutationObserver(() => {
        for (const body of document.querySelectorAll('[data-grid-body]')) {
            if (!grids.has(body) && prerendered.has(body.dataset.model)) {
                drawingOf(body);
                adopt.disconnect();
            }
        }
    });
    adopt.observe(document.body, { childList: true, subtree: true });
    // A page left before the circuit rendered must not keep the observer.
    addEventListener('pagehide', () => adopt.disconnect(), { once: true });
}

/** Called once the circuit renders the grid: its events, then the model the server has, unless this browser holds it already. */
export async function attach(root, dotnet) {
    // Adopted already, or the circuit's model differs from the prerendered one: either way, watching the page is over.
    adopt?.disconnect();
    const body = root.querySelector('[data-grid-body]');
    const drawing = drawingOf(body);
    drawing.dotnet = dotnet;
    let dragStart = null;   // the cell a mouse press started on
    let dragEnd = null;     // the last cell the pressed mouse crossed
    let dragged = false;    // the press became a drag, so its click must not open a panel

    const ids = cell => ({ rowId: rowIdOf(cell), runId: cell.dataset.runId });

    const onClick = event => {
        if (dragged) {
            dragged = false;
            return;
        }
        const toggle = event.target.closest('[data-group-toggle]');
        if (toggle) {
            dotnet.invokeMethodAsync('ToggleGroup', toggle.dataset.groupToggle);
            return;
        }
        const cell = drawing.cellAt(event.target);
        if (cell) {
            root.focus({ preventScroll: true });
            if (event.shiftKey) {
                drawing.select(ids(cell), drawing.anchor ?? drawing.selected ?? ids(cell));
            } else {
                drawing.selected = ids(cell);
                drawing.anchor = null;
                drawing.paintSelection();
                dotnet.invokeMethodAsync('OpenCell', rowIdOf(cell), cell.dataset.runId);
            }
            return;
        }
        const header = event.target.closest('[data-run-header]');
        if (header) {
            dotnet.invokeMethodAsync('OpenRun', header.dataset.runId);
        }
    };

    const onMouseDown = event => {
        const cell = event.button === 0 && !event.shiftKey && drawing.cellAt(event.target);
        dragStart = cell || null;
        dragEnd = cell || null;
        dragged = false;
    };

    const onMouseOver = event => {
        const cell = drawing.cellAt(event.target);
        if (!cell) {
            onHeaderOver(event);
            return;
        }
        if (dragStart && (event.buttons & 1) !== 0 && cell !== dragEnd) {
            dragEnd = cell;
            dragged = cell !== dragStart || dragged;
            if (dragged) {
                drawing.select(ids(cell), ids(dragStart));
            }
        } else if (!dragStart) {
            drawing.describe(cell);
        }
    };

    // Asked for on every entry into a header: Blazor re-renders the header as its run changes, but not this title.
    const onHeaderOver = async event => {
        const header = event.target.closest('[data-run-header]');
        if (header && !header.contains(event.relatedTarget) && !header._describing) {
            header._describing = true;
            header.title = await dotnet.invokeMethodAsync('DescribeRun', header.dataset.runId) ?? '';
            header._describing = false;
        }
    };

    const onMouseUp = () => {
        dragStart = null;
        dragEnd = null;
    };

    const onKey = event => {
        const move = moves[event.key];
        if (move) {
            event.preventDefault();
            drawing.move(move[0], move[1], event.shiftKey);
        } else if (event.key === 'Enter' && drawing.selected) {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenCell', drawing.selected.rowId, drawing.selected.runId);
        }
    };

    // Page-wide, like Airflow's hotkeys, but never while typing or while a dialog is open.
    const onDocumentKey = event => {
        if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target) || document.querySelector('.mud-dialog')) {
            return;
        }
        if (event.key === 'Escape') {
            dotnet.invokeMethodAsync('Escape');
            return;
        }
        const action = event.shiftKey && actions[event.key.toLowerCase()];
        if (action) {
            event.preventDefault();
            dotnet.invokeMethodAsync('Act', action);
        }
    };

    // Drawn in the scroll event itself, before the frame is painted, so no row is ever blank.
    const onScroll = () => drawing.draw();
    const resized = new ResizeObserver(() => drawing.draw());

    root.addEventListener('click', onClick);
    root.addEventListener('mousedown', onMouseDown);
    root.addEventListener('mouseover', onMouseOver);
    document.addEventListener('mouseup', onMouseUp);
    root.addEventListener('keydown', onKey);
    document.addEventListener('keydown', onDocumentKey);
    root.addEventListener('scroll', onScroll, { passive: true });
    resized.observe(root);
    await drawing.sync(false);
    return {
        dispose() {
            root.removeEventListener('click', onClick);
            root.removeEventListener('mousedown', onMouseDown);
            root.removeEventListener('mouseover', onMouseOver);
            document.removeEventListener('mouseup', onMouseUp);
            root.removeEventListener('keydown', onKey);
            document.removeEventListener('keydown', onDocumentKey);
            root.removeEventListener('scroll', onScroll);
            resized.disconnect();
            drawing.watch.disconnect();
            drawing.dotnet = null;
            grids.delete(body);
        },
    };
}

/** A cell's row: its task or group id, which is the row's id. */
function rowIdOf(cell) {
    return cell.dataset.taskId ?? cell.dataset.groupId;
}

function isTyping(element) {
    return element instanceof HTMLElement
        && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
}

// Rows are virtualized, so the selected cell may not exist in the DOM yet: scroll by geometry.
function scrollIntoView(root, row, column, rowHeight) {
    const columnWidth = parseFloat(getComputedStyle(root).getPropertyValue('--grid-column-width'));
    const headerHeight = root.querySelector('.grid-header').offsetHeight;
    const labelWidth = root.querySelector('.grid-corner').offsetWidth;

    const top = headerHeight + row * rowHeight;
    if (top < root.scrollTop + headerHeight) {
        root.scrollTop = top - headerHeight;
    } else if (top + rowHeight > root.scrollTop + root.clientHeight) {
        root.scrollTop = top + rowHeight - root.clientHeight;
    }

    const left = labelWidth + column * columnWidth;
    if (left < root.scrollLeft + labelWidth) {
        root.scrollLeft = left - labelWidth;
    } else if (left + columnWidth > root.scrollLeft + root.clientWidth) {
        root.scrollLeft = left + columnWidth - root.clientWidth;
    }
}

// Collapsed task groups are remembered per DAG in this browser, as Airflow does.
export function loadCollapsed(key) {
    try {
        const value = JSON.parse(localStorage.getItem(key) ?? 'null');
        return Array.isArray(value) ? value.filter(v => typeof v === 'string') : null;
    } catch {
        return null;
    }
}

export function saveCollapsed(key, groups) {
    localStorage.setItem(key, JSON.stringify(groups));
}
