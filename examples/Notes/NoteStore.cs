using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Dapper;
using Npgsql;

namespace Notes;

/// <summary>Notes in PostgreSQL (schema <c>notes</c>), through Dapper.</summary>
public sealed class NoteStore
{
    public NoteStore(NpgsqlDataSource dataSource)
    {
        DataSource = dataSource;
    }

    public NpgsqlDataSource DataSource { get; }

    public async Task EnsureSchemaAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("""
            SELECT pg_advisory_lock(hashtextextended('notes.schema', 0));
            CREATE SCHEMA IF NOT EXISTS notes;
            CREATE TABLE IF NOT EXISTS notes.notes (
                id          serial PRIMARY KEY,
                title       text NOT NULL,
                body        text NOT NULL,
                copied_from integer NULL);
            SELECT pg_advisory_unlock(hashtextextended('notes.schema', 0));
            """);
    }

    public async Task<int> CreateAsync(string title, string body)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("INSERT INTO notes.notes (title, body) VALUES (@title, @body) RETURNING id", new { title, body });
    }

    public async Task<Note?> FindAsync(int id, DbTransaction? transaction = null, CancellationToken cancellationToken = default)
    {
        if (transaction is not null)
        {
            return await transaction.Connection!.QuerySingleOrDefaultAsync<Note>(new CommandDefinition(
                "SELECT id AS Id, title AS Title, body AS Body FROM notes.notes WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        }

        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Note>("SELECT id AS Id, title AS Title, body AS Body FROM notes.notes WHERE id = @id", new { id });
    }

    public static Task CopyAsync(Note note, int number, DbTransaction transaction, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            "INSERT INTO notes.notes (title, body, copied_from) VALUES (@title, @body, @from)",
            new { title = $"{note.Title} (copy {number})", body = note.Body, from = note.Id },
            transaction,
            cancellationToken: cancellationToken));

    /// <summary>How many copies have lost their original note.</summary>
    public async Task<int> CountOrphanCopiesAsync()
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM notes.notes c WHERE c.copied_from IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notes.notes o WHERE o.id = c.copied_from)");
    }

    /// <summary>Deletes the copies whose original note no longer exists (the nightly clean-up).</summary>
    public async Task<int> DeleteOrphanCopiesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM notes.notes c WHERE c.copied_from IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notes.notes o WHERE o.id = c.copied_from)",
            cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteAsync(int id)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteAsync("DELETE FROM notes.notes WHERE id = @id", new { id }) > 0;
    }

    public async Task<int> CountCopiesAsync(int id)
    {
        await using var connection = await DataSource.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM notes.notes WHERE copied_from = @id", new { id });
    }
}

/// <summary>A note.</summary>
public sealed record Note(int Id, string Title, string Body);
