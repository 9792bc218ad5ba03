// The grid's browser side. One delegated listener per grid instead of a .NET handler per cell:
// cells then carry no event-handler ids, so a re-rendered row sends only the attributes that changed.

const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

export function attach(root, dotnet) {
    const onClick = event => {
        const toggle = event.target.closest('[data-group-toggle]');
        if (toggle) {
            dotnet.invokeMethodAsync('ToggleGroup', toggle.dataset.groupToggle);
            return;
        }
        const cell = event.target.closest('[data-cell]');
        if (cell) {
            root.focus({ preventScroll: true });
            dotnet.invokeMethodAsync('OpenCell', cell.dataset.rowId, cell.dataset.runId);
            return;
        }
        const header = event.target.closest('[data-run-header]');
        if (header) {
            dotnet.invokeMethodAsync('OpenRun', header.dataset.runId);
        }
    };

    const onKey = async event => {
        const move = moves[event.key];
        if (move) {
            event.preventDefault();
            const target = await dotnet.invokeMethodAsync('Move', move[0], move[1]);
            if (target) {
                scrollIntoView(root, target.row, target.column);
            }
        } else if (event.key === 'Enter') {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenSelected');
        }
    };

    root.addEventListener('click', onClick);
    root.addEventListener('keydown', onKey);
    return {
        dispose() {
            root.removeEventListener('click', onClick);
            root.removeEventListener('keydown', onKey);
        },
    };
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
