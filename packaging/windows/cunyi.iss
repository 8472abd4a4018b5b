; Inno Setup script for the Windows installer of Cunyi (村医). Built on a Windows build machine
; from the PyInstaller folder dist\cunyi (see README.md beside this file):
;   iscc /DAppVersion=0.1.0 packaging\windows\cunyi.iss      -> dist\cunyi-0.1.0-setup.exe
;
; What it does:
; - installs the program for the whole machine (Program Files), per-machine shortcuts;
; - makes the clinic's data folder C:\ProgramData\Cunyi (platformdirs' site data folder, where
;   app/paths.py looks on Windows) so every staff account shares the same records, and sets its
;   permissions: SYSTEM and Administrators full control, the local group CunyiUsers may read and
;   write, nobody else may read (inheritance from ProgramData, which lets all Users read, is cut);
; - adds the account that runs the installer to CunyiUsers (elevated by UAC with another
;   administrator's password, that is the administrator's account); other staff accounts are
;   added with `net localgroup CunyiUsers <account> /add` (or the task "all accounts of this
;   computer" grants the group Users on the folder); the [Run] entries run again at each upgrade: the group exists (net fails,
;   hidden) and icacls sets the same permissions again, on files added since too;
; - an upgrade is the new installer run over the old one: the program files are replaced, the
;   data is not touched here (the program backs it up and upgrades it on its first start);
; - uninstalling removes the program only: the data folder and everything in it stay.

; ArchitecturesAllowed=x64compatible is new in Inno Setup 6.3 (6.2 stops at it without saying why).
#if VER < EncodeVer(6,3,0)
  #error Inno Setup 6.3 or newer is needed to compile this script
#endif
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "村医"
#define DataDir "{commonappdata}\Cunyi"
#define Group "CunyiUsers"

[Setup]
; The same AppId for every version: a new installer upgrades the installed program in place.
AppId={{6E1C3A52-7D0B-4C7A-9B7E-C0A1D5E4F218}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Cunyi
DefaultDirName={autopf}\Cunyi
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
; {username} in [Run] is the account the setup runs as: meant (see the top of this file).
UsedUserAreasWarning=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=cunyi-{#AppVersion}-setup
SetupIconFile=cunyi.ico
UninstallDisplayIcon={app}\cunyi-desktop.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running client is closed before its files are replaced (its work is saved as drafts).
CloseApplications=yes
RestartApplications=no
ShowLanguageDialog=no

[Languages]
; ChineseSimplified.isl comes from Inno Setup's unofficial translations; put it next to this file.
Name: "zh"; MessagesFile: "ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "在桌面创建快捷方式"; GroupDescription: "快捷方式："
Name: "allaccounts"; Description: "本机所有 Windows 账户都可使用村医（只有诊所人员使用本机时选择）"; GroupDescription: "数据访问："; Flags: unchecked

[Files]
Source: "..\..\dist\cunyi\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Dirs]
; Never removed by the uninstaller: the clinic's records outlive any version of the program.
Name: "{#DataDir}"; Flags: uninsneveruninstall

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\cunyi-desktop.exe"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{commondesktop}\{#AppName}"; Filename: "{app}\cunyi-desktop.exe"; Tasks: desktopicon

[Run]
; The group, then the folder's permissions (well-known SIDs: no dependence on the language of
; Windows): *S-1-5-18 SYSTEM, *S-1-5-32-544 Administrators, *S-1-5-32-545 Users.
Filename: "{sys}\net.exe"; Parameters: "localgroup {#Group} /add /comment:""村医的使用者"""; Flags: runhidden; StatusMsg: "正在设置数据文件夹的权限……"
Filename: "{sys}\net.exe"; Parameters: "localgroup {#Group} ""{username}"" /add"; Flags: runhidden
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F {#Group}:(OI)(CI)M /T /C"; Flags: runhidden
; "All accounts": Users may read and write the folder itself. Not by putting Users into CunyiUsers:
; Windows does not let a local group be a member of another local group (net refuses it), so the
; grant goes to the folder. Without the task (chosen at this install or an earlier one, which
; Inno Setup remembers) such a grant is taken away again.
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /grant:r *S-1-5-32-545:(OI)(CI)M /T /C"; Flags: runhidden; Tasks: allaccounts
Filename: "{sys}\icacls.exe"; Parameters: """{#DataDir}"" /remove:g *S-1-5-32-545 /T /C"; Flags: runhidden; Tasks: not allaccounts
Filename: "{app}\cunyi-desktop.exe"; Description: "启动村医"; Flags: postinstall nowait skipifsilent unchecked

[UninstallRun]
; Nothing about the data: the folder, its permissions and the group stay for the next install.
