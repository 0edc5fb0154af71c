# Oracle stack for the RDS reader (DB subnet, parameter and option groups; DB instances in
# phase2/) in several shapes.
# Applied to moto by tests/aws/test_rds_oracle.py, changed out of band, refreshed, and compared
# with the reader.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }
}

resource "aws_vpc" "db" {
  cidr_block = "10.20.0.0/16"
}

resource "aws_subnet" "a" {
  vpc_id            = aws_vpc.db.id
  cidr_block        = "10.20.1.0/24"
  availability_zone = "us-east-1a"
}

resource "aws_subnet" "b" {
  vpc_id            = aws_vpc.db.id
  cidr_block        = "10.20.2.0/24"
  availability_zone = "us-east-1b"
}

resource "aws_subnet" "c" {
  vpc_id            = aws_vpc.db.id
  cidr_block        = "10.20.3.0/24"
  availability_zone = "us-east-1c"
}

# ---------------------------------------------------------------- subnet groups

resource "aws_db_subnet_group" "min" {
  name       = "min"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}

resource "aws_db_subnet_group" "full" {
  name        = "full"
  description = "the app databases"
  subnet_ids  = [aws_subnet.a.id, aws_subnet.b.id, aws_subnet.c.id]
  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_db_subnet_group" "prefixed" {
  name_prefix = "db-"
  subnet_ids  = [aws_subnet.b.id, aws_subnet.c.id]
}

resource "aws_db_subnet_group" "gone" {
  name       = "gone"
  subnet_ids = [aws_subnet.a.id, aws_subnet.c.id]
}

# ---------------------------------------------------------------- parameter groups

resource "aws_db_parameter_group" "min" {
  name   = "min"
  family = "mysql8.0"
}

resource "aws_db_parameter_group" "full" {
  name        = "full"
  family      = "postgres16"
  description = "tuned for the app"
  skip_destroy = false

  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name         = "shared_preload_libraries"
    value        = "pg_stat_statements"
    apply_method = "pending-reboot"
  }

  tags = {
    Name = "full"
    Env  = "test"
  }
}

resource "aws_db_parameter_group" "prefixed" {
  name_prefix = "mysql-"
  family      = "mysql8.0"

  parameter {
    name  = "max_connections"
    value = "200"
  }
}

resource "aws_db_parameter_group" "gone" {
  name   = "gone"
  family = "mysql8.0"
}

# ---------------------------------------------------------------- option groups

resource "aws_db_option_group" "min" {
  name                 = "og-min"
  engine_name          = "mysql"
  major_engine_version = "8.0"
}

resource "aws_db_option_group" "full" {
  name                     = "og-full"
  option_group_description = "audited"
  engine_name              = "mysql"
  major_engine_version     = "8.0"

  option {
    option_name = "MARIADB_AUDIT_PLUGIN"

    option_settings {
      name  = "SERVER_AUDIT_EVENTS"
      value = "CONNECT"
    }
  }

  tags = {
    Name = "og-full"
    Env  = "test"
  }
}

resource "aws_db_option_group" "prefixed" {
  name_prefix          = "og-"
  engine_name          = "postgres"
  major_engine_version = "13"
}

resource "aws_db_option_group" "gone" {
  name                 = "og-gone"
  engine_name          = "mysql"
  major_engine_version = "8.0"
}

# ---------------------------------------------------------------- DB instances (phase2/)

resource "aws_security_group" "db" {
  name   = "db"
  vpc_id = aws_vpc.db.id
}
