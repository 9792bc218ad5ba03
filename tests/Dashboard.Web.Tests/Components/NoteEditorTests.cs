using Bunit;
using Dashboard.Core.Operations.Notes;
using Dashboard.Core.Security;
using Dashboard.Testing;
using Dashboard.Web.Components.Grid;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests.Components;

/// <summary>
/// The note in the task-instance and run panels: rendered as Markdown, edited with a live count
/// against the limit, saved through the note service, and read-only below the User role.
/// </summary>
public sealed class NoteEditorTests : ComponentTest
{
    private static string D2 => PipelineDag.Runs["d2"];

    private IRenderedComponent<TaskInstancePanel> TaskPanel() =>
        Render<TaskInstancePanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, D2).Add(x => x.TaskId, "transform"));

    private IRenderedComponent<RunPanel> RunPanel() =>
        Render<RunPanel>(p => p.Add(x => x.DagId, PipelineDag.DagId).Add(x => x.RunId, D2));

    private Task<SetNoteResult> SetAsync(NoteTarget target, string? text) =>
        Engine.Services.GetRequiredService<NoteService>().SetAsync(new SetNoteRequest(target, text, Actors.Admin("someone")));

    private static NoteTarget TaskTarget => NoteTarget.TaskInstance(PipelineDag.DagId, D2, "transform");

    private async Task<string?> TaskNoteAsync() => (await Engine.TaskInstanceAsync(PipelineDag.DagId, D2, "transform")).Note;

    private static Task TypeAsync(IRenderedComponent<IComponent> panel, string text) =>
        panel.Find("textarea[data-testid='note-text']").InputAsync(new ChangeEventArgs { Value = text });

    private static bool SaveDisabled(IRenderedComponent<IComponent> panel) => panel.Find("[data-testid='note-save']").HasAttribute("disabled");

    [Fact]
    public async Task A_user_adds_a_note_with_a_live_count_and_sees_it_rendered()
    {
        SignInAs(Role.User);
        await PipelineDag.SeedAsync(await UseEngineAsync());
        var panel = TaskPanel();
        await panel.WaitForAssertionAsync(() => Assert.Equal("No note.", panel.Find("[data-testid='note'] .note-empty").TextContent));

        Assert.Equal("Add note", panel.Find("[data-testid='note-edit']").TextContent.Trim());
        await panel.Find("[data-testid='note-edit']").ClickAsync();
        Assert.True(SaveDisabled(panel)); // nothing written yet
        Assert.Equal("0 / 10,000 characters", panel.Find("[data-testid='note-counter']").TextContent.Trim());

        await TypeAsync(panel, "  Vendor sent **bad rows**; see [OPS-12](https://issues.example/OPS-12)  ");
        Assert.Equal("69 / 10,000 characters", panel.Find("[data-testid='note-counter']").TextContent.Trim());
        Assert.False(SaveDisabled(panel));
        await panel.Find("[data-testid='note-save']").ClickAsync();

        await panel.WaitForAssertionAsync(() => Assert.Equal("bad rows", panel.Find("[data-testid='note-view'] strong").TextContent));
        Assert.Equal("https://issues.example/OPS-12", panel.Find("[data-testid='note-view'] a").GetAttribute("href"));
        Assert.Equal("Edit note", panel.Find("[data-testid='note-edit']").TextContent.Trim());
        Assert.Equal("Vendor sent **bad rows**; see [OPS-12](https://issues.example/OPS-12)", await TaskNoteAsync());
        var audit = Assert.Single(await PipelineDag.AuditAsync(Engine));
        Assert.Equal(("task_instance.set_note", "pat"), (audit.Action, audit.Actor));
    }

    [Fact]
    public async Task Save_stays_disabled_while_the_note_is_unchanged_or_too_long()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await SetAsync(TaskTarget, "kept");
        var panel = TaskPanel();
        await panel.WaitForAssertionAsync(() => panel.Find("[data-testid='note-view']"));

        await panel.Find("[data-testid='note-edit']").ClickAsync();
        Assert.Equal("kept", panel.Find("textarea[data-testid='note-text']").GetAttribute("value") ?? panel.Find("textarea[data-testid='note-text']").TextContent);
        Assert.True(SaveDisabled(panel));
        await TypeAsync(panel, " kept \n");
        Assert.True(SaveDisabled(panel)); // the same note once trimmed

        await TypeAsync(panel, new string('x', NoteText.MaxLength + 1));
        Assert.Contains("over", panel.Find("[data-testid='note-counter']").ClassList);
        Assert.Equal("10,001 / 10,000 characters", panel.Find("[data-testid='note-counter']").TextContent.Trim());
        Assert.Contains("at most 10,000 characters", panel.Find("[data-testid='note-error']").TextContent);
        Assert.True(SaveDisabled(panel));

        await TypeAsync(panel, new string('x', NoteText.MaxLength));
        Assert.False(SaveDisabled(panel));
        await panel.Find("[data-testid='note-cancel']").ClickAsync();
        Assert.Equal("kept", panel.Find("[data-testid='note-view']").TextContent.Trim());
        Assert.Equal("kept", await TaskNoteAsync());
    }

    [Fact]
    public async Task Emptying_a_run_note_removes_it()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await SetAsync(NoteTarget.Run(PipelineDag.DagId, D2), "Backfilled by hand");
        var panel = RunPanel();
        await panel.WaitForAssertionAsync(() => Assert.Equal("Backfilled by hand", panel.Find("[data-testid='note-view']").TextContent.Trim()));

        await panel.Find("[data-testid='note-edit']").ClickAsync();
        await TypeAsync(panel, "   ");
        await panel.Find("[data-testid='note-save']").ClickAsync();

        await panel.WaitForAssertionAsync(() => Assert.Equal("No note.", panel.Find("[data-testid='note'] .note-empty").TextContent));
        await using var db = Engine.CreateContext();
        Assert.Null(await db.DagRuns.Where(r => r.RunId == D2).Select(r => r.Note).SingleAsync());
        Assert.Equal(("dag_run.clear_note", "pat"), ((await PipelineDag.AuditAsync(Engine))[^1].Action, (await PipelineDag.AuditAsync(Engine))[^1].Actor));
    }

    [Fact]
    public async Task A_note_saved_elsewhere_while_editing_is_shown_and_replaced_only_knowingly()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await Engine.StartListeningAsync();
        await SetAsync(TaskTarget, "first");
        var panel = TaskPanel();
        await panel.WaitForAssertionAsync(() => panel.Find("[data-testid='note-view']"));
        await panel.Find("[data-testid='note-edit']").ClickAsync();
        await TypeAsync(panel, "mine");

        await SetAsync(TaskTarget, "*theirs*");

        // The panel follows the change live: their note shows next to the draft, which is kept.
        await panel.WaitForAssertionAsync(() => Assert.Equal("theirs", panel.Find("[data-testid='note-changed'] em").TextContent));
        Assert.Equal("mine", panel.Find("textarea[data-testid='note-text']").GetAttribute("value") ?? panel.Find("textarea[data-testid='note-text']").TextContent);
        await panel.Find("[data-testid='note-save']").ClickAsync();

        await panel.WaitForAssertionAsync(() => Assert.Equal("mine", panel.Find("[data-testid='note-view']").TextContent.Trim()));
        Assert.Equal("mine", await TaskNoteAsync());
    }

    [Fact]
    public async Task A_stale_save_is_refused_and_shows_their_note()
    {
        await PipelineDag.SeedAsync(await UseEngineAsync()); // not listening: the panel does not hear of the other save
        await SetAsync(TaskTarget, "first");
        var panel = TaskPanel();
        await panel.WaitForAssertionAsync(() => panel.Find("[data-testid='note-view']"));
        await panel.Find("[data-testid='note-edit']").ClickAsync();
        await TypeAsync(panel, "mine");
        await SetAsync(TaskTarget, "theirs");

        await panel.Find("[data-testid='note-save']").ClickAsync();

        await panel.WaitForAssertionAsync(() => Assert.Contains("changed by someone else", panel.Find("[data-testid='note-error']").TextContent));
        Assert.Equal("theirs", panel.Find("[data-testid='note-changed'] .note-markdown").TextContent.Trim());
        Assert.Equal("theirs", await TaskNoteAsync());

        await panel.Find("[data-testid='note-save']").ClickAsync(); // knowingly, now
        await panel.WaitForAssertionAsync(() => Assert.Equal("mine", panel.Find("[data-testid='note-view']").TextContent.Trim()));
    }

    [Theory]
    [InlineData(Role.Viewer)]
    [InlineData(Role.User)]
    public async Task Below_the_user_role_the_note_is_read_only_and_the_button_says_why(Role role)
    {
        SignInAs(role);
        await PipelineDag.SeedAsync(await UseEngineAsync());
        await SetAsync(TaskTarget, "Read me");
        await SetAsync(NoteTarget.Run(PipelineDag.DagId, D2), "Me too");

        var task = TaskPanel();
        var run = RunPanel();

        foreach (var panel in new IRenderedComponent<IComponent>[] { task, run })
        {
            await panel.WaitForAssertionAsync(() => panel.Find("[data-testid='note-view']"));
            var button = panel.Find("[data-testid='note-edit']");
            Assert.Equal(role < Role.User, button.HasAttribute("disabled"));
            Assert.Equal(role < Role.User ? "Needs the User role; you have the Viewer role." : "Edit the note", button.ParentElement!.GetAttribute("title"));
        }

        Assert.Equal("Read me", task.Find("[data-testid='note-view']").TextContent.Trim());
        Assert.Equal("Me too", run.Find("[data-testid='note-view']").TextContent.Trim());
    }
}
