using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.State;
using Xunit;
using static Microsoft.Playwright.Assertions;
using TaskFlow.TestSupport;

namespace TaskFlow.Dashboard.Tests;

/// <summary>
/// Pause and resume on the Queues page, bulk delete of task records on the Tasks page, the search in arguments, and <c>[Sensitive]</c> arguments
/// kept out of the task detail page, in headless Chromium against a real broker, PostgreSQL and an in-process worker.
/// </summary>
public sealed class OperatorActionTests : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BrowserFixture _fixture;

    public OperatorActionTests(BrowserFixture fixture)
    {
        _fixture = fixture;
        SetDefaultExpectTimeout(30_000);
    }

    private DashboardApp App => _fixture.App;

    [Fact]
    public async Task Pause_and_resume_buttons_stop_and_restart_consuming_and_are_audited()
    {
        var page = await _fixture.NewPageAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync($"{App.BaseUrl}/queues");
        var row = page.Locator($"#queues tr[data-queue='{App.Queue}']");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync($"paused queue '{App.Queue}'");
        await Expect(row.Locator(".badge.paused")).ToBeVisibleAsync();
        (await App.Store.GetPausedQueuesAsync()).ShouldContain(p => p.Queue == App.Queue && p.PausedBy == "operator");

        var status = App.Services.GetRequiredService<TaskFlowWorkerStatus>();
        await Eventually.UntilAsync(() => Task.FromResult(status.PausedQueues.Contains(App.Queue)), Wait, "the worker paused the queue");
        var handle = await App.Tasks.ResizeImage.ApplyAsync("while-paused", App.Options());
        await Task.Delay(TimeSpan.FromSeconds(3));
        DashboardTasks.Runs.ContainsKey(handle.Id).ShouldBeFalse("a paused queue is not consumed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "queues-paused.png"), FullPage = true });

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume", Exact = true }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync($"resumed queue '{App.Queue}'");
        await Expect(row.Locator(".badge.paused")).ToHaveCountAsync(0);
        (await App.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Succeeded);

        var audit = await App.Store.GetAuditLogAsync();
        audit.ShouldContain(e => e.Action == "queue.pause" && e.UserName == "operator" && e.Target == App.Queue);
        audit.ShouldContain(e => e.Action == "queue.resume" && e.UserName == "operator" && e.Target == App.Queue);
    }

    [Fact]
    public async Task Delete_all_matching_removes_finished_records_and_keeps_the_unfinished_one()
    {
        var entity = "doc:" + Guid.NewGuid().ToString("N")[..6];
        var one = await App.Tasks.ResizeImage.ApplyAsync("one", App.Options(entity));
        var two = await App.Tasks.ResizeImage.ApplyAsync("two", App.Options(entity));
        (await App.Store.WaitAsync(one.Id, Wait)).State.ShouldBe(TaskState.Succeeded);
        (await App.Store.WaitAsync(two.Id, Wait)).State.ShouldBe(TaskState.Succeeded);
        var parked = "tf-dash-parked-" + Guid.NewGuid().ToString("N")[..8];
        var pending = await App.Tasks.ResizeImage.ApplyAsync("parked", new SendOptions { Queue = parked, EntityKey = entity });
        try
        {
            var page = await _fixture.NewPageAsync();
            page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
            await page.GotoAsync($"{App.BaseUrl}/tasks?entity={Uri.EscapeDataString(entity)}");
            await Expect(page.Locator("table.tasks tr[data-task-id]")).ToHaveCountAsync(3);
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete all matching", Exact = true }).ClickAsync();

            await Expect(page.Locator(".notice")).ToContainTextAsync("deleted 2 of 3 task record(s); kept 1 unfinished");
            await Expect(page.Locator("table.tasks tr[data-task-id]")).ToHaveCountAsync(1);
            await Expect(page.Locator($"tr[data-task-id='{pending.Id}']")).ToBeVisibleAsync();
            (await App.Store.GetAsync(one.Id)).ShouldBeNull();
            (await App.Store.GetAsync(two.Id)).ShouldBeNull();
            (await App.Store.GetAsync(pending.Id))!.State.ShouldBe(TaskState.Pending);
            (await App.Store.GetAuditLogAsync()).ShouldContain(e => e.Action == "tasks.delete" && e.UserName == "operator" && e.Outcome!.Contains("deleted 2 of 3"));
        }
        finally
        {
            await DashboardApp.DeleteQueueAsync(parked);
        }
    }

    [Fact]
    public async Task The_task_list_searches_text_in_arguments_never_inside_a_sensitive_one_and_bulk_actions_honour_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var secret = "card-" + Guid.NewGuid().ToString("N");
        var one = await App.Tasks.ResizeImage.ApplyAsync($"Invoice-{tag}-one", App.Options());
        var two = await App.Tasks.ResizeImage.ApplyAsync($"invoice-{tag}-two", App.Options());
        var other = await App.Tasks.ResizeImage.ApplyAsync($"receipt-{tag}", App.Options());
        var sensitive = await App.Tasks.Sensitive.ApplyAsync($"wallet-{tag}", secret, App.Options());
        foreach (var handle in new[] { one, two, other, sensitive })
        {
            (await App.Store.WaitAsync(handle.Id, Wait)).IsFinal.ShouldBeTrue();
        }

        var page = await _fixture.NewPageAsync();
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GotoAsync($"{App.BaseUrl}/tasks");
        await page.Locator("#filters input[name=args]").FillAsync($"INVOICE-{tag}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("args=INVOICE-" + tag));
        await Expect(page.Locator("table.tasks tr[data-task-id]")).ToHaveCountAsync(2);
        await Expect(page.Locator("#args-since")).ToBeVisibleAsync(); // no time range given: the last hour is searched, and the form says so
        await Expect(page.Locator("#filters input[name=since]")).ToHaveValueAsync("1h");
        await Expect(page.Locator($"tr[data-task-id='{one.Id}'] td.args")).ToHaveTextAsync($"[\"Invoice-{tag}-one\"]");
        await Expect(page.Locator($"tr[data-task-id='{two.Id}']")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "tasks-argument-search.png"), FullPage = true });

        // The sensitive task is found by its other argument, shown with ***, and never by its secret.
        await page.GotoAsync($"{App.BaseUrl}/tasks?args={Uri.EscapeDataString("wallet-" + tag)}");
        await Expect(page.Locator($"tr[data-task-id='{sensitive.Id}'] td.args")).ToHaveTextAsync($"[\"wallet-{tag}\",\"***\"]");
        (await page.ContentAsync()).ShouldNotContain(secret);
        foreach (var part in new[] { secret, secret[5..15], "card-" })
        {
            await page.Locator("#filters input[name=args]").FillAsync(part);
            await page.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true }).ClickAsync();
            await Expect(page.Locator("main")).ToContainTextAsync("No tasks match.");
        }

        // "Delete all matching" deletes what the search matches, and nothing else.
        await page.GotoAsync($"{App.BaseUrl}/tasks?args={Uri.EscapeDataString("invoice-" + tag)}");
        await Expect(page.Locator("table.tasks tr[data-task-id]")).ToHaveCountAsync(2);
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete all matching", Exact = true }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync("deleted 2 of 2 task record(s)");
        (await App.Store.GetAsync(one.Id)).ShouldBeNull();
        (await App.Store.GetAsync(two.Id)).ShouldBeNull();
        (await App.Store.GetAsync(other.Id)).ShouldNotBeNull();
        (await App.Store.GetAsync(sensitive.Id)).ShouldNotBeNull();
    }

    [Fact]
    public async Task A_sensitive_argument_is_not_in_the_task_detail_page_and_the_others_are()
    {
        const string Secret = "4111-1111-1111-1111-secret";
        var handle = await App.Tasks.Sensitive.ApplyAsync("shown-key", Secret, App.Options());
        (await App.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Failed);
        var page = await _fixture.NewPageAsync();
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            await page.GotoAsync($"{App.BaseUrl}/tasks/{handle.Id}");
            if (await page.Locator("#dead-letter").CountAsync() > 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(500);
        }

        await Expect(page.Locator("#dead-letter")).ToBeVisibleAsync();
        var html = await page.ContentAsync();
        html.ShouldNotContain(Secret);
        html.ShouldContain("shown-key", Case.Sensitive, "arguments that are not sensitive still show");
        html.ShouldContain("***");
        html.ShouldContain("x-taskflow-sensitive");

        await page.GotoAsync($"{App.BaseUrl}/dead?queue={App.Queue}");
        (await page.ContentAsync()).ShouldNotContain(Secret);
    }
}
