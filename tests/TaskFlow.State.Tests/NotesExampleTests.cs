using System;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Notes;
using Npgsql;
using Shouldly;
using TaskFlow.Hosting;
using TaskFlow.RabbitMq;
using TaskFlow.TestSupport;
using Xunit;

namespace TaskFlow.State.Tests;

/// <summary>
/// examples/Notes' unique copy on the real broker and PostgreSQL: two requests to copy one note while the first is
/// pending make one task and one set of copies; a request after it finished is a new copy. The notes are in the
/// example's own <c>notes</c> schema (serial ids: tests never share a note), the state in a schema of the test's own,
/// the messages on a queue of its own.
/// </summary>
public sealed class NotesExampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_second_copy_request_while_one_is_pending_returns_it_and_the_note_is_copied_once()
    {
        var schema = Databases.NewSchema();
        var queue = "tf-notes-" + Guid.NewGuid().ToString("N")[..10];
        await using var dataSource = NpgsqlDataSource.Create(TestEnvironment.PostgresConnectionString);
        var notes = new NoteStore(dataSource);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(notes);
        builder.Services.AddTaskFlow()
            .UseRabbitMq(o =>
            {
                o.ConnectionUri = TestEnvironment.BrokerUri;
                o.QueueType = QueueType.Classic;
            })
            .AddNotesTasks()
            .AddStateStore(o =>
            {
                o.UsePostgreSql(dataSource);
                o.Schema = schema;
            })
            .AddWorker(w => w.AddQueue(queue, concurrency: 2));
        using var host = builder.Build();
        try
        {
            await notes.EnsureSchemaAsync();
            await host.StartAsync();
            await host.Services.GetRequiredService<TaskFlowWorker>().Started.WaitAsync(Timeout);
            var tasks = host.Services.GetRequiredService<NotesTasks.Client>();
            var id = await notes.CreateAsync("Recipes", "bread, soup");
            var options = new SendOptions { Queue = queue, Countdown = TimeSpan.FromSeconds(1) };

            var copy = await tasks.CopyNote.ApplyAsync(id, 3, options);
            var again = await tasks.CopyNote.ApplyAsync(id, 3, options);

            copy.Deduplicated.ShouldBeFalse();
            again.Deduplicated.ShouldBeTrue();
            again.Id.ShouldBe(copy.Id);
            (await copy.WaitAsync(Timeout)).ShouldBe(3);
            (await notes.CountCopiesAsync(id)).ShouldBe(3, "one copy task ran, not two");

            var later = await tasks.CopyNote.ApplyAsync(id, 1, new SendOptions { Queue = queue });
            later.Deduplicated.ShouldBeFalse("the first copy is done");
            (await later.WaitAsync(Timeout)).ShouldBe(1);
            (await notes.CountCopiesAsync(id)).ShouldBe(4);
        }
        finally
        {
            await host.StopAsync();
            await StateHost.DeleteQueueAsync(queue);
            await Databases.Get("postgresql").DropSchemaAsync(schema);
        }
    }
}
