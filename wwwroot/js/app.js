// The app shell's browser side: the remembered theme, the global keyboard shortcuts and the
// resizable side panel. Everything is plain DOM: no framework, nothing from another host.

const themeKey = 'dashboard.theme';

/** 'system', 'light' or 'dark' as last chosen in this browser. */
export function loadThemeMode() {
    return localStorage.getItem(themeKey) ?? 'system';
}

const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');

/** Whether the system asks for a dark theme now. */
export function systemDark() {
    return darkQuery.matches;
}

/** Tells the layout (SystemDarkChanged) when the system's preference changes. */
export function watchSystemDark(dotnet) {
    const onChange = () => dotnet.invokeMethodAsync('SystemDarkChanged');
    darkQuery.addEventListener('change', onChange);
    return { dispose: () => darkQuery.removeEventListener('change', onChange) };
}

/**
 * Shows the page light or dark by switching the dark theme's stylesheet (linked after the light
 * one) on or off; remembers the choice, and the resolved mode in a cookie so the next page's first
 * paint has it.
 */
export function applyTheme(mode, dark) {
    localStorage.setItem(themeKey, mode);
    document.cookie = `dashboard-dark=${dark ? '1' : '0'}; path=/; max-age=31536000; samesite=lax`;
    const darkSheet = document.getElementById('theme-dark');
    if (darkSheet) {
        darkSheet.media = dark ? 'all' : 'not all';
    }
}

/** How times are shown, for this page's circuit and the next page's first paint. */
export function saveTimes(mode) {
    document.cookie = `dashboard-times=${mode}; path=/; max-age=31536000; samesite=lax`;
}

function typing(target) {
    return target instanceof HTMLElement
        && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** Ctrl/Cmd+K opens the search anywhere; Shift+? (outside text fields) lists the shortcuts. */
export function registerShortcuts(dotnet) {
    const onKey = event => {
        if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenSearch');
        } else if (event.key === '?' && !event.ctrlKey && !event.metaKey && !event.altKey && !typing(event.target)) {
            event.preventDefault();
            dotnet.invokeMethodAsync('OpenShortcuts');
        }
    };
    document.addEventListener('keydown', onKey);
    return { dispose: () => document.removeEventListener('keydown', onKey) };
}

const panelKey = 'dashboard.panel.width';

/** Dragging the handle on the panel's left edge resizes it; the width is remembered in this browser. */
export function resizablePanel(panel, handle) {
    const saved = Number(localStorage.getItem(panelKey));
    if (saved) {
        panel.style.width = `${saved}px`;
    }

    let startX = 0;
    let startWidth = 0;
    const move = event => {
        const width = Math.min(Math.max(startWidth + startX - event.clientX, 320), window.innerWidth * 0.7);
        panel.style.width = `${width}px`;
    };
    const up = () => {
        document.removeEventListener('pointermove', move);
        document.removeEventListener('pointerup', up);
        document.body.classList.remove('resizing');
        localStorage.setItem(panelKey, String(Math.round(panel.getBoundingClientRect().width)));
    };
    const down = event => {
        event.preventDefault();
        startX = event.clientX;
        startWidth = panel.getBoundingClientRect().width;
        document.body.classList.add('resizing');
        document.addEventListener('pointermove', move);
        document.addEventListener('pointerup', up);
    };
    const keys = event => {
        const step = event.shiftKey ? 80 : 20;
        if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
            event.preventDefault();
            const width = panel.getBoundingClientRect().width + (event.key === 'ArrowLeft' ? step : -step);
            panel.style.width = `${Math.min(Math.max(width, 320), window.innerWidth * 0.7)}px`;
            localStorage.setItem(panelKey, String(Math.round(panel.getBoundingClientRect().width)));
        }
    };
    handle.addEventListener('pointerdown', down);
    handle.addEventListener('keydown', keys);
    return {
        dispose: () => {
            handle.removeEventListener('pointerdown', down);
            handle.removeEventListener('keydown', keys);
        },
    };
}

/** Keeps a log scrolled to its end while the person has not scrolled up. */
export function followLog(element) {
    let pinned = true;
    const onScroll = () => { pinned = element.scrollTop + element.clientHeight >= element.scrollHeight - 8; };
    element.addEventListener('scroll', onScroll);
    const observer = new MutationObserver(() => { if (pinned) element.scrollTop = element.scrollHeight; });
    observer.observe(element, { childList: true, subtree: true });
    element.scrollTop = element.scrollHeight;
    return {
        dispose: () => {
            element.removeEventListener('scroll', onScroll);
            observer.disconnect();
        },
    };
}

/** Saves a file the server made (an export) as a download, without a second request for it. */
export async function downloadFile(fileName, stream) {
    const url = URL.createObjectURL(new Blob([await stream.arrayBuffer()], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
}
