using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace AnalyzerSamples;

/// <summary>A row of the users table: it has an identity and changes over time.</summary>
public class User
{
    public int Id { get; set; }

    public string Email { get; set; } = "";
}

/// <summary>Sends templated emails to a user, looking the address up when it sends.</summary>
public interface IMailer
{
    Task SendTemplateAsync(int userId, string template, CancellationToken cancellationToken);
}

/// <summary>A counter shared by every worker (a database or cache row).</summary>
public interface IStats
{
    Task IncrementAsync(string counter, CancellationToken cancellationToken);
}

/// <summary>Where rendered reports go.</summary>
public interface IReportStore
{
    Task<Stream> CreateAsync(int reportId, CancellationToken cancellationToken);
}

/// <summary>How a report is rendered: a value that can travel in a message, unlike a formatting delegate.</summary>
public enum ReportFormat
{
    Pdf,
    Csv,
}
