using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Notes;
using Npgsql;
using TaskFlow;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.Scheduling;
using TaskFlow.State;

// The seeds' notes example, runnable: a user asks for 10 copies of a note (a background task) and deletes the
// note before the copies are made. Four runs: the problem, then TaskFlow's three answers (entity lock that
// refuses, entity lock that waits, revoke by entity key); then a unique copy (a double request copies once) and the
// periodic clean-up. One process hosts the worker and plays the user.
//
//   bash scripts/rabbitmq.sh && bash scripts/postgres.sh
//   dotnet run --project examples/Notes
//
// Environment: NOTES_POSTGRES (default: the database scripts/postgres.sh creates), TASKFLOW_URI (broker).
var connectionString = Environment.GetEnvironmentVariable("NOTES_POSTGRES") ?? "Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow";
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss.fff ";
});
builder.Logging.AddFilter("TaskFlow", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
builder.Services.AddSingleton<NoteStore>();
builder.Services.AddTaskFlow()
    .UseRabbitMq(o => o.ConnectionUri = new Uri(Environment.GetEnvironmentVariable("TASKFLOW_URI") ?? "amqp://guest:guest@127.0.0.1:5672/"))
    .AddNotesTasks()
    .AddStateStore((o, services) => o.UsePostgreSql(services.GetRequiredService<NpgsqlDataSource>()))
    .AddWorker(w => w.AddQueue("notes", concurrency: 2))
    .AddScheduler(); // fires [Periodic] PurgeOrphanCopies (03:00 Paris); one scheduler across all processes

using var host = builder.Build();
var notes = host.Services.GetRequiredService<NoteStore>();
await notes.EnsureSchemaAsync();
await host.StartAsync();
await host.Services.GetRequiredService<TaskFlowWorker>().Started;
var tasks = host.Services.GetRequiredService<NotesTasks.Client>();
var store = host.Services.GetRequiredService<TaskStateStore>();
var soon = TimeSpan.FromSeconds(1); // the copy waits in the queue a moment, as behind other work
var timeout = TimeSpan.FromSeconds(30);

var failures = 0;
void Expect(bool condition, string what)
{
    if (!condition)
    {
        failures++;
        Console.WriteLine("    UNEXPECTED: " + what);
    }
}

static void Say(string text) => Console.WriteLine("    " + text);
static void Step(string text) => Console.WriteLine($"{Environment.NewLine}==> {text}");

// 0. The problem: nothing ties the delete to the pending copy. (The copy is recorded for its note, because CopyNote
//    declares [Task(EntityKey = "note:{noteId}")], but this delete does not look.)
Step("Without protection: copy 10 times, then delete the original before the copy runs");
var id = await notes.CreateAsync("Groceries", "milk, eggs");
var copy = await tasks.CopyNote.ApplyAsync(id, 10, new SendOptions { Countdown = soon });
await notes.DeleteAsync(id);
Say($"note {id} deleted while task {copy.Id} was pending");
Say($"the copy task returned {await copy.WaitAsync(timeout)}: the user asked for 10 copies and got {await notes.CountCopiesAsync(id)}");

// 1. Lock, refuse: the copy carries the note's entity key (declared on the task); the delete asks for the entity and is refused.
Step("Entity lock, refuse: the delete is refused while the copy is pending");
id = await notes.CreateAsync("Groceries", "milk, eggs");
copy = await tasks.CopyNote.ApplyAsync(id, 10, new SendOptions { Countdown = soon });
try
{
    await using var lease = await store.LockEntityAsync($"note:{id}");
    await notes.DeleteAsync(id);
    Expect(false, "the delete was not refused");
}
catch (EntityLockedException ex)
{
    Say($"DELETE /notes/{id} -> 409 Conflict: {ex.Reason}");
}

var made = await copy.WaitAsync(timeout);
Expect(made == 10, "the copy did not make 10 copies");
Say($"the copy runs: {made} copies made; the note can be deleted now:");
await using (await store.LockEntityAsync($"note:{id}"))
{
    Say($"DELETE /notes/{id} -> {(await notes.DeleteAsync(id) ? "204 No Content" : "404")}; its {await notes.CountCopiesAsync(id)} copies stay");
}

// 2. Lock, wait: the delete waits for the pending copy, then goes ahead; meanwhile new work on the note is refused.
Step("Entity lock, wait: the delete waits until the copy is done");
id = await notes.CreateAsync("Reading list", "SICP, TAOCP");
copy = await tasks.CopyNote.ApplyAsync(id, 10, new SendOptions { Countdown = soon });
var started = DateTime.UtcNow;
await using (await store.LockEntityAsync($"note:{id}", wait: timeout))
{
    Say($"lease granted after {(DateTime.UtcNow - started).TotalSeconds:F1} s, when the copy finished ({(await copy.GetStateAsync())!.State.ToWireName()}, {await notes.CountCopiesAsync(id)} copies)");
    try
    {
        await tasks.CopyNote.DelayAsync(id, 3);
        Expect(false, "a copy was enqueued while the delete held the note");
    }
    catch (EntityLockedException ex)
    {
        Say($"while the delete holds the note, another copy request is refused: {ex.Reason}");
    }

    Say($"DELETE /notes/{id} -> {(await notes.DeleteAsync(id) ? "204 No Content" : "404")}");
}

// 3. Revoke by key: the user deletes the note and cancels what is pending on it.
Step("Revoke by entity key: delete the note and cancel its pending operations");
id = await notes.CreateAsync("Draft", "to be thrown away");
copy = await tasks.CopyNote.ApplyAsync(id, 10, new SendOptions { Countdown = soon });
var revoked = await store.RevokeEntityAsync($"note:{id}");
await using (await store.LockEntityAsync($"note:{id}"))
{
    Say($"revoked {revoked.Count} pending task(s) of note:{id}; DELETE /notes/{id} -> {(await notes.DeleteAsync(id) ? "204 No Content" : "404")}");
}

try
{
    await copy.WaitAsync(timeout);
    Expect(false, "the revoked copy ran");
}
catch (TaskNotSucceededException ex)
{
    Say($"the copy task is {ex.Info!.State.ToWireName()}: when its message arrives the worker skips it (durable in the database, on any worker)");
}

await Task.Delay(soon + TimeSpan.FromSeconds(1));
var copiesOfDeleted = await notes.CountCopiesAsync(id);
Expect(copiesOfDeleted == 0, "copies were made of the deleted note");
Say($"copies made of the deleted note: {copiesOfDeleted}");

// 4. Unique copy: the user clicks "copy" twice; the second request joins the pending copy instead of copying again.
Step("Unique task: a second copy request for the same note while one is pending returns the pending copy");
id = await notes.CreateAsync("Recipes", "bread, soup");
copy = await tasks.CopyNote.ApplyAsync(id, 3, new SendOptions { Countdown = soon });
var again = await tasks.CopyNote.ApplyAsync(id, 3, new SendOptions { Countdown = soon });
Expect(again.Deduplicated && again.Id == copy.Id, "the second request sent another copy task");
Say($"POST /notes/{id}/copies twice -> task {copy.Id}, then the same task {again.Id} (deduplicated: {again.Deduplicated})");
made = await copy.WaitAsync(timeout);
Expect(made == 3 && await notes.CountCopiesAsync(id) == 3, "the note was copied more than once");
Say($"the copy ran once: {await notes.CountCopiesAsync(id)} copies, not 6");
var later = await tasks.CopyNote.DelayAsync(id, 1);
Expect(!later.Deduplicated && later.Id != copy.Id, "a request after the copy finished was deduplicated");
Say($"a request after it finished is a new copy: task {later.Id} -> {await later.WaitAsync(timeout)} more");

Step("Periodic clean-up: trigger the nightly purge of copies whose note is gone, now");
var schedules = host.Services.GetRequiredService<ISchedules>();
var nightly = (await schedules.GetAsync("notes.notes_tasks.purge_orphan_copies"))!;
Say($"schedule '{nightly.Name}': {nightly.Definition.Cron} ({nightly.Definition.TimeZone}), next fire {nightly.NextFireAt:u}");
var orphansBefore = await notes.CountOrphanCopiesAsync();
var fire = await schedules.TriggerAsync(nightly.Name);
var purged = await store.WaitForResultAsync<int>(fire.TaskId, timeout);
Expect(purged == orphansBefore && await notes.CountOrphanCopiesAsync() == 0, "the purge left copies of deleted notes");
Say($"the purge (task {fire.TaskId}, sent through the outbox) deleted {purged} orphan copies");

Console.WriteLine(failures == 0 ? $"{Environment.NewLine}Notes example OK" : $"{Environment.NewLine}Notes example: {failures} unexpected outcome(s)");
await host.StopAsync();
return failures == 0 ? 0 : 1;
