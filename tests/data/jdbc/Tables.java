// JDBC metadata as BI tools and DBeaver's driver read it: the tables of the
// public schema and the columns of one table. Run as a single-file program:
// java -cp postgresql.jar Tables.java URL USER PASSWORD TABLE
import java.sql.*;

public class Tables {
    public static void main(String[] a) throws Exception {
        try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
            DatabaseMetaData m = c.getMetaData();
            try (ResultSet r = m.getTables(null, null, "%", new String[] {"TABLE"})) {
                while (r.next()) {
                    System.out.println("table " + r.getString("TABLE_SCHEM") + "." + r.getString("TABLE_NAME"));
                }
            }
            try (ResultSet r = m.getColumns(null, null, a[3], "%")) {
                while (r.next()) {
                    System.out.println("column " + r.getString("COLUMN_NAME") + " " + r.getString("TYPE_NAME"));
                }
            }
        }
    }
}
