// Runs the reconnect dialog (Components/Layout/ReconnectModal.razor). blazor.web.js reports each
// connection state as a components-reconnect-state-changed event on the dialog.

const dialog = document.getElementById('components-reconnect-modal');

dialog.addEventListener('components-reconnect-state-changed', event => {
    switch (event.detail.state) {
        case 'show':
            if (!dialog.open) {
                dialog.showModal();
            }
            break;
        case 'hide':
            dialog.close();
            break;
        case 'failed':
            // A laptop waking up or a tab coming back is the likeliest moment the server is reachable again.
            document.addEventListener('visibilitychange', retryWhenVisible);
            break;
        case 'rejected':
            // The server is back but no longer knows this circuit: a fresh page is the only way on.
            location.reload();
            break;
    }
});

// Escape would close the dialog over a page that no longer responds.
dialog.addEventListener('cancel', event => event.preventDefault());

document.getElementById('components-reconnect-button').addEventListener('click', retry);
document.getElementById('components-resume-button').addEventListener('click', resume);

async function retry() {
    document.removeEventListener('visibilitychange', retryWhenVisible);
    try {
        // true: reconnected; false: the server answered but dropped the circuit; a throw: unreachable.
        if (!await Blazor.reconnect()) {
            await resume();
        }
    } catch {
        document.addEventListener('visibilitychange', retryWhenVisible);
    }
}

async function resume() {
    try {
        if (await Blazor.resumeCircuit()) {
            dialog.close();
        } else {
            location.reload();
        }
    } catch {
        dialog.classList.replace('components-reconnect-paused', 'components-reconnect-resume-failed');
    }
}

async function retryWhenVisible() {
    if (document.visibilityState === 'visible') {
        await retry();
    }
}
