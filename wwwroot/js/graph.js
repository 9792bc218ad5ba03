// The graph's browser side. Pan, zoom and fit change only the SVG's viewBox, so moving around costs
// no round trip; clicks and keys on nodes reach .NET through one delegated listener, not a handler per node.

const minUnitsPerPixel = 0.2;   // zoomed in at most 5×
const maxUnitsPerPixel = 40;
const padding = 20;

export function attach(root, dotnet) {
    let view = null;        // the viewBox as last set here, in drawing units
    let drag = null;        // where a press started, and the view then
    let dragged = false;    // the press became a pan, so its click must not open anything
    let shownWidth = 1;     // the element's width in pixels when the view was last set
    let fitted = false;     // the view shows the whole drawing, as fit() left it: a resize fits again

    const svg = () => root.querySelector('svg');
    const size = () => {
        const rect = svg().getBoundingClientRect();
        return { w: Math.max(1, rect.width), h: Math.max(1, rect.height), left: rect.left, top: rect.top };
    };
    const unitsPerPixel = () => (view ? view.w / size().w : 1);
    const write = (next, whole = false) => {
        view = next;
        fitted = whole;
        shownWidth = size().w;
        svg()?.setAttribute('viewBox', `${next.x} ${next.y} ${next.w} ${next.h}`);
    };

    // The whole drawing, centred, never larger than 1.5 times its natural size.
    const fit = () => {
        const element = svg();
        if (!element) {
            return;
        }
        const s = size();
        const dw = Number(element.dataset.width) + 2 * padding;
        const dh = Number(element.dataset.height) + 2 * padding;
        const scale = Math.min(maxUnitsPerPixel, Math.max(dw / s.w, dh / s.h, 1 / 1.5));
        const w = s.w * scale;
        const h = s.h * scale;
        write({ x: -padding - (w - dw) / 2, y: -padding - (h - dh) / 2, w, h }, true);
    };

    // Zooms by factor around a point of the element (its centre by default), which stays put.
    const zoomBy = (factor, px, py) => {
        if (!view) {
            fit();
        }
        const s = size();
        px ??= s.w / 2;
        py ??= s.h / 2;
        const scale = Math.min(maxUnitsPerPixel, Math.max(minUnitsPerPixel, view.w / s.w / factor));
        const ux = view.x + px * view.w / s.w;
        const uy = view.y + py * view.h / s.h;
        write({ x: ux - px * scale, y: uy - py * scale, w: s.w * scale, h: s.h * scale });
    };

    const find = id => root.querySelector(`[data-node="${CSS.escape(id)}"]`) || root.querySelector(`[data-box="${CSS.escape(id)}"]`);

    // Where a node or box lies in drawing units, read from its own attributes, whatever the view.
    const place = element => {
        if (element.dataset.node !== undefined) {
            const [, x, y] = /translate\(([-\d.]+),([-\d.]+)\)/.exec(element.getAttribute('transform')) || [0, 0, 0];
            const body = element.querySelector('rect');
            return { x: Number(x), y: Number(y), w: Number(body.getAttribute('width')), h: Number(body.getAttribute('height')) };
        }
        const rect = element.querySelector('rect');
        return ['x', 'y', 'width', 'height'].map(a => Number(rect.getAttribute(a))).reduce((r, v, i) => ({ ...r, [['x', 'y', 'w', 'h'][i]]: v }), {});
    };

    // Centres a node or box at the present zoom, zoomed in to a readable size when the view is far out.
    const centre = id => {
        const element = find(id);
        if (!element) {
            fit();
            return;
        }
        const s = size();
        const scale = Math.min(view ? view.w / s.w : 1, 1.5);
        const p = place(element);
        write({ x: p.x + p.w / 2 - s.w * scale / 2, y: p.y + p.h / 2 - s.h * scale / 2, w: s.w * scale, h: s.h * scale });
        if (element.dataset.node !== undefined) {
            element.focus({ preventScroll: true });
        }
    };

    const open = target => {
        const toggle = target.closest('[data-group-toggle]');
        if (toggle) {
            dotnet.invokeMethodAsync('ToggleGroup', toggle.dataset.groupToggle);
            return true;
        }
        const node = target.closest('[data-node]');
        if (node) {
            dotnet.invokeMethodAsync('OpenNode', node.dataset.node);
            return true;
        }
        return false;
    };

    const onClick = event => {
        if (dragged) {
            dragged = false;
            return;
        }
        open(event.target);
    };

    const onKeyDown = event => {
        if ((event.key === 'Enter' || event.key === ' ') && open(event.target)) {
            event.preventDefault();
        } else if (event.key === '+' || event.key === '=') {
            zoomBy(1.25);
        } else if (event.key === '-') {
            zoomBy(1 / 1.25);
        } else if (event.key === '0') {
            fit();
        }
    };

    const onWheel = event => {
        event.preventDefault();
        const s = size();
        zoomBy(Math.exp(-event.deltaY * 0.0015), event.clientX - s.left, event.clientY - s.top);
    };

    const onPointerDown = event => {
        if (event.button !== 0) {
            return;
        }
        if (!view) {
            fit();
        }
        drag = { x: event.clientX, y: event.clientY, view };
        dragged = false;
    };

    const onPointerMove = event => {
        if (!drag || (event.buttons & 1) === 0) {
            drag = null;
            return;
        }
        const dx = event.clientX - drag.x;
        const dy = event.clientY - drag.y;
        if (!dragged && Math.hypot(dx, dy) < 4) {
            return;
        }
        dragged = true;
        root.classList.add('panning');
        const scale = drag.view.w / size().w;
        write({ ...drag.view, x: drag.view.x - dx * scale, y: drag.view.y - dy * scale });
    };

    const onPointerUp = () => {
        drag = null;
        root.classList.remove('panning');
    };

    // A resized element (a panel opening beside it) fits again if it showed everything, else keeps its centre and zoom.
    const resized = new ResizeObserver(() => {
        if (!view) {
            return;
        }
        if (fitted) {
            fit();
            return;
        }
        const s = size();
        const scale = view.w / shownWidth;
        const cx = view.x + view.w / 2;
        const cy = view.y + view.h / 2;
        write({ x: cx - s.w * scale / 2, y: cy - s.h * scale / 2, w: s.w * scale, h: s.h * scale });
    });

    root.addEventListener('click', onClick);
    root.addEventListener('keydown', onKeyDown);
    root.addEventListener('wheel', onWheel, { passive: false });
    root.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('pointermove', onPointerMove);
    window.addEventListener('pointerup', onPointerUp);
    fit();
    resized.observe(root);

    return {
        fit,
        zoomBy: factor => zoomBy(factor),
        // After a render that changed the drawing: centre what the person acted on, or fit it all.
        shown: focus => {
            if (focus) {
                centre(focus);
            } else {
                fit();
            }
        },
        unitsPerPixel,
        dispose: () => {
            resized.disconnect();
            root.removeEventListener('click', onClick);
            root.removeEventListener('keydown', onKeyDown);
            root.removeEventListener('wheel', onWheel);
            root.removeEventListener('pointerdown', onPointerDown);
            window.removeEventListener('pointermove', onPointerMove);
            window.removeEventListener('pointerup', onPointerUp);
        },
    };
}
