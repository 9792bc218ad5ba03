// The calendar's browser side: dragging across days marks them as the mouse moves (no round trip per
// cell) and, on release, asks the page to open the Backfill form for the range. A plain click stays
// with the page's own click handler, which opens the day.

export function attach(root, dotnet) {
    let start = null;      // the cell a mouse press started on
    let end = null;        // the last cell the pressed mouse crossed
    let dragged = false;   // the press became a drag, so its click must not open the day

    const cellOf = target => target.closest('[data-cell]');

    const mark = () => {
        const [low, high] = [Number(start.dataset.index), Number(end.dataset.index)].sort((a, b) => a - b);
        for (const cell of root.querySelectorAll('[data-cell]')) {
            const index = Number(cell.dataset.index);
            cell.classList.toggle('selecting', index >= low && index <= high);
        }
    };

    const unmark = () => {
        for (const cell of root.querySelectorAll('.selecting')) {
            cell.classList.remove('selecting');
        }
    };

    const onMouseDown = event => {
        const cell = event.button === 0 && !event.shiftKey && cellOf(event.target);
        start = cell || null;
        end = start;
        dragged = false;
        if (cell) {
            event.preventDefault(); // no text selection while dragging
        }
    };

    const onMouseOver = event => {
        if (!start || (event.buttons & 1) === 0) {
            return;
        }
        const cell = cellOf(event.target);
        if (cell && cell !== end) {
            end = cell;
            dragged = true;
            mark();
        }
    };

    const onMouseUp = () => {
        if (start && dragged) {
            dotnet.invokeMethodAsync('SelectRange', start.dataset.key, end.dataset.key);
            unmark();
        }
        start = null;
        end = null;
    };

    // Runs before the page's own click handler: the click that ends a drag opens nothing.
    const onClick = event => {
        if (dragged) {
            dragged = false;
            event.stopPropagation();
            event.preventDefault();
        }
    };

    root.addEventListener('mousedown', onMouseDown);
    root.addEventListener('mouseover', onMouseOver);
    root.addEventListener('click', onClick, true);
    window.addEventListener('mouseup', onMouseUp);

    return {
        dispose() {
            root.removeEventListener('mousedown', onMouseDown);
            root.removeEventListener('mouseover', onMouseOver);
            root.removeEventListener('click', onClick, true);
            window.removeEventListener('mouseup', onMouseUp);
        },
    };
}
