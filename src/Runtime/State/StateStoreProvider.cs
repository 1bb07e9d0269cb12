using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Text.RegularExpressions;

namespace TaskFlow.State;

/// <summary>Which database the state store talks to. Both run the same schema, written per dialect.</summary>
public enum StateStoreProvider
{
    /// <summary>No database configured (the options are invalid until one is chosen).</summary>
    None,

    /// <summary>PostgreSQL 11 or later (e.g. through Npgsql).</summary>
    PostgreSql,

    /// <summary>SQL Server 2016 or later, Azure SQL (e.g. through Microsoft.Data.SqlClient).</summary>
    SqlServer,
}
