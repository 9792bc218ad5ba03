using Microsoft.JSInterop;

namespace Dashboard.Web.Components.Shared;

public static class BrowserModule
{
    /// <summary>
    /// Removes what a component attached in the browser (an object whose dispose() takes off its
    /// listeners) and releases the module it came from. A browser already gone took both with it.
    /// </summary>
    public static async ValueTask ReleaseAsync(IJSObjectReference? attached, IJSObjectReference? module)
    {
        try
        {
            if (attached is not null)
            {
                await attached.InvokeVoidAsync("dispose");
                await attached.DisposeAsync();
            }

            if (module is not null)
            {
                await module.DisposeAsync();
            }
        }
        catch (JSDisconnectedException)
        {
        }
    }
}
