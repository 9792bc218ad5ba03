// The grid's browser side. One delegated listener per grid instead of a .NET handler per cell:
// cells then carry no event-handler ids, so a re-rendered row sends only the attributes that changed.

const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

// Shift+C, shift+S and shift+F, as in Airflow: clear, mark success, mark failed.
const actions = { c: 'Clear', s: 'MarkSuccess', f: 'MarkFailed' };

export function attach(root, dotnet) {
    let dragStart = null;   // the cell a mouse press started on
    let dragEnd = null;     // the last cell the pressed mouse crossed
    let dragged = false;    // the press became a drag, so its click must not open a panel

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
        const cell = event.target.closest('[data-cell]');
        if (cell) {
            root.focus({ preventScroll: true });
            dotnet.invokeMethodAsync(event.shiftKey ? 'SelectTo' : 'OpenCell', cell.dataset.rowId, cell.dataset.runId);
            return;
        }
        const header = event.target.closest('[data-run-header]');
        if (header) {
            dotnet.invokeMethodAsync('OpenRun', header.dataset.runId);
        }
    };

    const onMouseDown = event => {
        const cell = event.button === 0 && !event.shiftKey && event.target.closest('[data-cell]');
        dragStart = cell || null;
        dragEnd = cell || null;
        dragged = false;
    };

    const onMouseOver = event => {
        if (!dragStart || (event.buttons & 1) === 0) {
            return;
        }
        const cell = event.target.closest('[data-cell]');
        if (cell && cell !== dragEnd) {
            dragEnd = cell;
            dragged = cell !== dragStart || dragged;
            if (dragged) {
                dotnet.invokeMethodAsync('SelectRange', dragStart.dataset.rowId, dragStart.dataset.runId, cell.dataset.rowId, cell.dataset.runId);
            }
        }
    };

    const onMouseUp = () => {
        dragStart = null;
        dragEnd = null;
    };

    const onKey = async event => {
        const move = moves[event.key];
        if (move) {
            event.preventDefault();
            const target = await dotnet.invokeMethodAsync('Move', move[0], move[1], event.shiftKey);
            if (target) {
                scrollIntoView(root, target.row, target.column);
            }
        } else if (event.key === 'Enter') {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenSelected');
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

    root.addEventListener('click', onClick);
    root.addEventListener('mousedown', onMouseDown);
    root.addEventListener('mouseover', onMouseOver);
    document.addEventListener('mouseup', onMouseUp);
    root.addEventListener('keydown', onKey);
    document.addEventListener('keydown', onDocumentKey);
    return {
        dispose() {
            root.removeEventListener('click', onClick);
            root.removeEventListener('mousedown', onMouseDown);
            root.removeEventListener('mouseover', onMouseOver);
            document.removeEventListener('mouseup', onMouseUp);
            root.removeEventListener('keydown', onKey);
            document.removeEventListener('keydown', onDocumentKey);
        },
    };
}

function isTyping(element) {
    return element instanceof HTMLElement
        && (element.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName));
}

// Rows are virtualized, so the selected cell may not exist in the DOM yet: scroll by geometry.
function scrollIntoView(root, row, column) {
    const style = getComputedStyle(root);
    const rowHeight = parseFloat(style.getPropertyValue('--grid-row-height'));
    const columnWidth = parseFloat(style.getPropertyValue('--grid-column-width'));
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
