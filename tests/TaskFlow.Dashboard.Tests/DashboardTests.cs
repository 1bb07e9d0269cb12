using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Shouldly;
using TaskFlow.State;
using Xunit;
using static Microsoft.Playwright.Assertions;
using TaskFlow.TestSupport;

namespace TaskFlow.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium against a real broker, PostgreSQL and an in-process worker: dead letters and
/// re-drive, the task list's filters, live updates, read-only users, anti-forgery, the no-JavaScript confirmation, and a
/// screenshot of every page.
/// </summary>
public sealed class DashboardTests : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly BrowserFixture _fixture;

    public DashboardTests(BrowserFixture fixture)
    {
        _fixture = fixture;
        SetDefaultExpectTimeout(30_000);
    }

    private DashboardApp App => _fixture.App;

    [Fact]
    public async Task A_failing_task_appears_in_dead_letters_and_redrive_from_the_page_makes_it_run()
    {
        var id = await DeadLetteredTaskAsync("redrive-me", "image:7");
        var page = await _fixture.NewPageAsync();
        var errors = Watch(page);
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await GotoUntilAsync(page, $"{App.BaseUrl}/dead?queue={App.Queue}", $"tr[data-task-id='{id}']");
        var section = page.Locator($"section[data-queue='{App.Queue}']");
        await Expect(section.Locator("table.groups")).ToContainTextAsync("System.InvalidOperationException");
        await Screenshot(page, "dead-letters");

        await section.Locator($"input[name=id][value='{id}']").CheckAsync();
        await section.GetByRole(AriaRole.Button, new() { Name = "Re-drive selected", Exact = true }).ClickAsync();

        await Expect(page.Locator(".notice")).ToContainTextAsync("re-drove 1 of 1 matching dead letter(s)");
        await Eventually.UntilAsync(async () => (await App.Store.GetAsync(id))?.State == TaskState.Succeeded, Wait, "the re-driven task succeeded");
        DashboardTasks.Runs[id].ShouldBe(2);
        var audit = await App.Store.GetAuditLogAsync();
        audit.ShouldContain(e => e.Action == "dead.redrive" && e.UserName == "operator" && e.Target == App.Queue && e.Detail!.Contains(id) && e.Outcome!.Contains("re-drove 1 of 1"));

        await page.GotoAsync($"{App.BaseUrl}/audit");
        await Expect(page.Locator("#audit")).ToContainTextAsync("dead.redrive");
        await Screenshot(page, "audit");
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_task_list_filters_by_entity_and_state()
    {
        var album = "album:" + Guid.NewGuid().ToString("N")[..6];
        var first = await App.Tasks.ResizeImage.ApplyAsync("one", App.Options(album));
        var other = await App.Tasks.ResizeImage.ApplyAsync("two", App.Options(album + "x"));
        await App.Store.WaitAsync(first.Id, Wait);
        await App.Store.WaitAsync(other.Id, Wait);
        var page = await _fixture.NewPageAsync();
        var errors = Watch(page);
        await page.GotoAsync($"{App.BaseUrl}/tasks");
        await Expect(page.Locator($"tr[data-task-id='{first.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"tr[data-task-id='{other.Id}']")).ToBeVisibleAsync();

        await page.Locator("#filters input[name=entity]").FillAsync(album);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true }).ClickAsync();

        await Expect(page).ToHaveURLAsync(new Regex("entity=" + Regex.Escape(Uri.EscapeDataString(album)) + "(&|$)"));
        await Expect(page.Locator($"tr[data-task-id='{first.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"tr[data-task-id='{other.Id}']")).ToHaveCountAsync(0);
        await Expect(page.Locator("table.tasks tr[data-task-id]")).ToHaveCountAsync(1);

        await page.Locator("#filters select[name=state]").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter", Exact = true }).ClickAsync();
        await Expect(page.Locator("main")).ToContainTextAsync("No tasks match.");
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Live_updates_arrive_without_a_reload_and_pause_while_the_tab_is_hidden()
    {
        var key = "live:" + Guid.NewGuid().ToString("N")[..6];
        var page = await _fixture.NewPageAsync();
        var errors = Watch(page);
        await page.GotoAsync($"{App.BaseUrl}/tasks?entity={Uri.EscapeDataString(key)}");
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        await page.EvaluateAsync("() => { window.__sameDocument = 42; }");

        var sent = await App.Tasks.ResizeImage.ApplyAsync("live", App.Options(key));
        await Expect(page.Locator($"tr[data-task-id='{sent.Id}']")).ToBeVisibleAsync();
        (await page.EvaluateAsync<int>("() => window.__sameDocument")).ShouldBe(42);

        // Hidden tab: the stream closes and nothing is fetched; visible again: it reopens and catches up.
        await page.EvaluateAsync("() => { Object.defineProperty(document, 'hidden', { value: true, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }");
        await Expect(page.Locator("#live")).ToHaveTextAsync("paused");
        var refreshes = await page.EvaluateAsync<string?>("() => document.body.dataset.refreshes ?? '0'");
        var whileHidden = await App.Tasks.ResizeImage.ApplyAsync("hidden", App.Options(key));
        await App.Store.WaitAsync(whileHidden.Id, Wait);
        await Task.Delay(TimeSpan.FromSeconds(2)); // four refresh intervals: a live page would have fetched by now
        (await page.EvaluateAsync<string?>("() => document.body.dataset.refreshes ?? '0'")).ShouldBe(refreshes);
        await Expect(page.Locator($"tr[data-task-id='{whileHidden.Id}']")).ToHaveCountAsync(0);

        await page.EvaluateAsync("() => { Object.defineProperty(document, 'hidden', { value: false, configurable: true }); document.dispatchEvent(new Event('visibilitychange')); }");
        await Expect(page.Locator($"tr[data-task-id='{whileHidden.Id}']")).ToBeVisibleAsync();
        await Expect(page.Locator("#live")).ToHaveTextAsync("live");
        (await page.EvaluateAsync<int>("() => window.__sameDocument")).ShouldBe(42);
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_read_only_user_sees_no_actions_and_cannot_post_one()
    {
        var page = await _fixture.NewPageAsync("viewer");
        var errors = Watch(page);
        await page.GotoAsync($"{App.BaseUrl}/queues");
        await Expect(page.Locator(".badge.readonly")).ToBeVisibleAsync();
        await Expect(page.Locator($"#queues tr[data-queue='{App.Queue}']")).ToBeVisibleAsync();
        await Expect(page.Locator("button.act")).ToHaveCountAsync(0);
        await page.GotoAsync($"{App.BaseUrl}/tasks");
        await Expect(page.Locator("button.act")).ToHaveCountAsync(0);
        await Expect(page.Locator("input[type=checkbox][name=id]")).ToHaveCountAsync(0);

        var form = page.APIRequest.CreateFormData();
        form.Set("queue", App.Queue);
        form.Set("confirmed", "yes");
        var response = await page.APIRequest.PostAsync($"{App.BaseUrl}/actions/queue.purge", new() { Form = form });
        response.Status.ShouldBe(403);
        (await response.TextAsync()).ShouldContain("read-only");
        (await App.Store.GetAuditLogAsync()).ShouldNotContain(e => e.UserName == "viewer");

        // Not signed in at all: the group's RequireAuthorization() applies to every page.
        var anonymous = await _fixture.Browser.NewContextAsync();
        var answer = await anonymous.APIRequest.GetAsync($"{App.BaseUrl}/queues");
        answer.Status.ShouldBe(401);
        await anonymous.CloseAsync();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task An_action_without_the_antiforgery_token_is_refused_and_without_javascript_it_asks_for_confirmation()
    {
        var page = await _fixture.NewPageAsync("operator", javaScript: false);
        await page.GotoAsync($"{App.BaseUrl}/queues");
        var form = page.APIRequest.CreateFormData();
        form.Set("queue", App.Queue);
        form.Set("confirmed", "yes");
        var response = await page.APIRequest.PostAsync($"{App.BaseUrl}/actions/queue.purge", new() { Form = form });
        response.Status.ShouldBe(400);
        (await response.TextAsync()).ShouldContain("anti-forgery");
        (await App.Store.GetAuditLogAsync()).ShouldNotContain(e => e.Action == "queue.purge");

        // The real button, no JavaScript: a confirmation page first, then the action, audited.
        await page.Locator($"#queues tr[data-queue='{App.Queue}'] button[data-action='queue.purge']").ClickAsync();
        await Expect(page.Locator("h1")).ToHaveTextAsync("Purge a queue?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm", Exact = true }).ClickAsync();
        await Expect(page.Locator(".notice")).ToContainTextAsync($"from queue '{App.Queue}'");
        (await App.Store.GetAuditLogAsync()).ShouldContain(e => e.Action == "queue.purge" && e.Target == App.Queue && e.UserName == "operator");
    }

    [Fact]
    public async Task Every_page_renders_without_script_errors_and_is_captured()
    {
        var entity = "note:" + Guid.NewGuid().ToString("N")[..4];
        for (var i = 0; i < 6; i++)
        {
            await App.Store.WaitAsync((await App.Tasks.ResizeImage.ApplyAsync("shot" + i, App.Options(entity))).Id, Wait);
        }

        var failed = await DeadLetteredTaskAsync("shown", entity);
        await using var lease = await App.Store.LockEntityAsync(entity, TimeSpan.FromSeconds(30));
        var page = await _fixture.NewPageAsync();
        var errors = Watch(page);
        var pages = new (string Name, string Path, string Heading)[]
        {
            ("overview", "/", "Overview"),
            ("queues", "/queues", "Queues"),
            ("workers", "/workers", "Workers"),
            ("tasks", "/tasks", "Tasks"),
            ("task-detail", "/tasks/" + failed, "Task"),
            ("entities", "/entities?key=" + Uri.EscapeDataString(entity), "Entities"),
            ("schedules", "/schedules", "Schedules"),
        };
        foreach (var (name, path, heading) in pages)
        {
            var response = await page.GotoAsync(App.BaseUrl + path);
            response!.Status.ShouldBe(200, path);
            await Expect(page.Locator("main h1").First).ToContainTextAsync(heading);
            await Screenshot(page, name);
        }

        await page.GotoAsync($"{App.BaseUrl}/entities?key={Uri.EscapeDataString(entity)}");
        await Expect(page.Locator("#lease")).ToContainTextAsync("Held by " + lease.Holder);
        await page.GotoAsync(App.BaseUrl + "/");
        await Expect(page.Locator("#health")).ToContainTextAsync("worker");
        await Expect(page.Locator("svg.chart rect").First).ToBeVisibleAsync();
        await page.GotoAsync($"{App.BaseUrl}/tasks/{failed}");
        await Expect(page.Locator("#dead-letter")).ToContainTextAsync("System.InvalidOperationException");
        await Expect(page.Locator("main")).ToContainTextAsync("failing on purpose: shown");
        await page.GotoAsync($"{App.BaseUrl}/workers");
        await Expect(page.Locator($"#workers tr[data-worker='{App.WorkerName}']")).ToContainTextAsync("running");
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_task_detail_of_a_task_that_succeeded_on_its_third_attempt_shows_each_attempt_with_its_stack_and_its_headers_and_trace_id()
    {
        string id;
        using (var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == TaskFlowTelemetry.Name,
            Sample = static (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        })
        {
            // Listened to: the send writes a traceparent header, as with OpenTelemetry configured.
            System.Diagnostics.ActivitySource.AddActivityListener(listener);
            id = (await App.Tasks.FailTwice.ApplyAsync("thumb-" + Guid.NewGuid().ToString("N")[..6], App.Options(null))).Id;
        }

        var info = await App.Store.WaitAsync(id, Wait);
        info.State.ShouldBe(TaskState.Succeeded);
        info.TraceId.ShouldNotBeNull();
        var page = await _fixture.NewPageAsync();
        var errors = Watch(page);
        await page.GotoAsync($"{App.BaseUrl}/tasks/{id}");

        var attempts = page.Locator("#attempts tr[data-attempt]");
        await Expect(attempts).ToHaveCountAsync(3);
        await Expect(attempts.Nth(0)).ToContainTextAsync("retrying");
        await Expect(attempts.Nth(0)).ToContainTextAsync("System.TimeoutException: the thumbnail service did not answer");
        await Expect(attempts.Nth(1)).ToContainTextAsync("run 2");
        await Expect(attempts.Nth(2)).ToContainTextAsync("succeeded");
        await Expect(attempts.Nth(2).Locator("details")).ToHaveCountAsync(0);

        // The stack is collapsed until opened.
        var stack = attempts.Nth(0).Locator("details.stack");
        await Expect(stack.Locator("pre")).ToBeHiddenAsync();
        await stack.Locator("summary").ClickAsync();
        await Expect(stack.Locator("pre")).ToBeVisibleAsync();
        await Expect(stack.Locator("pre")).ToContainTextAsync("at TaskFlow.Dashboard.Tests.DashboardTasks.Throw");
        await Expect(stack.Locator("pre")).ToContainTextAsync("FailTwice");

        // Headers and trace id of a task that never was a dead letter.
        await Expect(page.Locator("#dead-letter")).ToHaveCountAsync(0);
        await Expect(page.Locator("#trace-id")).ToHaveTextAsync(info.TraceId);
        var headers = page.Locator("#headers");
        await Expect(headers.Locator("tr[data-header='traceparent']")).ToContainTextAsync(info.TraceId);
        await Expect(headers.Locator("tr[data-header='argsrepr']")).ToContainTextAsync("[\"thumb-");
        await Expect(headers.Locator("tr[data-header='task']")).ToContainTextAsync("dashboard_tests.fail_twice");
        await Expect(headers.Locator("tr[data-header='id']")).ToContainTextAsync(id);
        await Screenshot(page, "task-detail-attempts");
        errors.ShouldBeEmpty();
    }

    private async Task<string> DeadLetteredTaskAsync(string key, string? entity)
    {
        DashboardTasks.Failing = true;
        try
        {
            var handle = await App.Tasks.Flaky.ApplyAsync(key, App.Options(entity));
            (await App.Store.WaitAsync(handle.Id, Wait)).State.ShouldBe(TaskState.Failed);
            return handle.Id;
        }
        finally
        {
            DashboardTasks.Failing = false;
        }
    }

    /// <summary>Loads the page until <paramref name="selector"/> is on it (the broker's dead-letter copy may trail the state record).</summary>
    private static async Task GotoUntilAsync(IPage page, string url, string selector)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            await page.GotoAsync(url);
            if (await page.Locator(selector).CountAsync() > 0)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{selector} did not appear on {url}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Script errors and console errors (a Content-Security-Policy violation is one) of the page.</summary>
    private static List<string> Watch(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        return errors;
    }

    private static async Task Screenshot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"), FullPage = true });
}
