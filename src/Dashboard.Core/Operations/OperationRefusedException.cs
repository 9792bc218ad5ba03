namespace Dashboard.Core.Operations;

/// <summary>An action that was refused, with nothing changed; the message is shown to the person who asked.</summary>
public class OperationRefusedException(string message) : Exception(message);

/// <summary>
/// The task instances an action was confirmed on changed before it ran (the scheduler or someone
/// else moved them), so nothing was applied: the person should look at the new preview and confirm again.
/// </summary>
public sealed class PreviewOutdatedException(string message) : OperationRefusedException(message);
